import type { IncomingMessage, ServerResponse } from "node:http";

export interface RequestSignals {
  /**
   * An AbortSignal for one request: fires when the client disconnects before the response finished, or when
   * abortAll() gives up on in-flight work at shutdown. Engines receive it, so a client that leaves cancels the
   * upstream call.
   */
  signalFor(request: IncomingMessage, response: ServerResponse): AbortSignal;
  abortAll(reason: Error): void;
  readonly inFlight: number;
}

export function createRequestSignals(): RequestSignals {
  const live = new Set<AbortController>();
  return {
    get inFlight() {
      return live.size;
    },
    signalFor(request, response) {
      const controller = new AbortController();
      live.add(controller);
      const onClose = () => {
        live.delete(controller);
        if (!response.writableFinished) controller.abort(new DOMException("the client closed the connection", "AbortError"));
      };
      response.once("close", onClose);
      request.once("error", onClose);
      // Made on first use, so the client may have left already: its 'close' will not come again.
      if (response.destroyed) onClose();
      return controller.signal;
    },
    abortAll(reason) {
      for (const controller of live) controller.abort(reason);
      live.clear();
    },
  };
}
