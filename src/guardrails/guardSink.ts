/**
 * A streamed answer's sink with the output check in front: text deltas go through the request's OutputWindow
 * and reach the API's sink as the windows are released (masked, rewritten); any other part (a tool call, the
 * finish, the usage) first releases what is held. A refusal stops the stream: the write answers false, `refusal`
 * says why, and `close` ends the API's stream with it, so the client gets its API's error event. Only requests
 * with an output rule are wrapped.
 */
import type { CompletionSink } from "../completions/completionSink.js";
import { isPromise, type MaybePromise } from "../maybePromise.js";
import type { OutputWindow } from "./createOutputWindow.js";

export function guardSink(inner: CompletionSink, window: OutputWindow): CompletionSink {
  let refusal: unknown;

  const send = (text: string): boolean | Promise<boolean> => (text === "" ? true : inner.write({ type: "text-delta", text }));
  const then = (written: boolean | Promise<boolean>, next: () => boolean | Promise<boolean>): boolean | Promise<boolean> => {
    if (written === true) return next();
    if (written === false) return false;
    return written.then((ok) => (ok ? next() : false));
  };
  /** Runs a window step and sends what it released; a refusal (thrown or rejected) is kept and stops the stream. */
  const step = (work: () => MaybePromise<string>, next?: () => boolean | Promise<boolean>): boolean | Promise<boolean> => {
    const stop = (error: unknown) => {
      refusal = error;
      return false;
    };
    let released: MaybePromise<string>;
    try {
      released = work();
    } catch (error) {
      return stop(error);
    }
    const sendReleased = (text: string) => (next === undefined ? send(text) : then(send(text), next));
    return isPromise(released) ? released.then(sendReleased, stop) : sendReleased(released);
  };

  return {
    open: (head) => inner.open(head),
    write(part) {
      if (refusal !== undefined) return false;
      if (part.type === "text-delta") return step(() => window.push(part.text));
      return step(
        () => window.flush(),
        () => inner.write(part),
      );
    },
    refusal: () => refusal,
    async close(end) {
      let ending = end;
      // A stream that ran out without a finish part still holds its last window.
      if (refusal === undefined && end.completed && !(await step(() => window.flush()))) ending = { completed: false, failure: undefined };
      window.end();
      await inner.close(refusal === undefined ? ending : { completed: false, failure: refusal });
    },
  };
}
