/**
 * Server-sent events on a raw response, honouring backpressure: when the socket's buffer is full, writing waits
 * for 'drain' (or for the client to go away), so a slow reader never makes the server buffer without bound.
 *
 * The stream's first event leaves at once, with the response head: the time to the first byte is the client's
 * time to first token. After it, events written in the same turn of the event loop (parts that arrived from the
 * upstream together) leave in one socket write: the response is corked at the first and uncorked once the turn's
 * work is done. An event produced alone still goes out at the end of its own turn, so nothing waits for company.
 */
import type { ServerResponse } from "node:http";

export interface SseStream {
  /**
   * Writes one event: true when the socket took it, else a promise that resolves once it drained (true) or the
   * client went away (false). The common case costs no promise.
   */
  send(data: string, event?: string): boolean | Promise<boolean>;
  end(): void;
  readonly closed: boolean;
}

/**
 * `replyHeaders`: what hooks put on the Fastify reply before the route hijacked it (http/security/hijackHeaders);
 * they go under the stream's own headers, which win.
 */
export function openSseStream(response: ServerResponse, headers: Record<string, string>, replyHeaders: Record<string, string> = {}): SseStream {
  response.writeHead(200, {
    ...replyHeaders,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    // Connection-specific headers are forbidden in HTTP/2 (Node refuses them); HTTP/1.1 needs it for proxies.
    ...(response.req.httpVersionMajor >= 2 ? {} : { connection: "keep-alive" }),
    "x-accel-buffering": "no",
    ...headers,
  });
  let closed = false;
  response.once("close", () => {
    closed = true;
  });
  // HTTP/2's compatibility response has no cork(); its frames are the stream's own business.
  const corkable = typeof response.cork === "function";
  let corked = false;
  let first = true;
  const uncork = () => {
    corked = false;
    if (!response.destroyed) response.uncork();
  };

  return {
    get closed() {
      return closed || response.destroyed;
    },
    send(data, event) {
      if (closed || response.destroyed) return false;
      const frame = event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
      const opening = first;
      first = false;
      if (!opening && corkable && !corked) {
        corked = true;
        response.cork();
        process.nextTick(uncork);
      }
      const flushed = response.write(frame);
      // Node corks a response's first write until the next tick, to join head and body: release it now.
      if (opening && corkable && response.writableCorked > 0) response.uncork();
      if (flushed) return true;
      // Whichever comes first removes both listeners: a long stream to a slow reader waits here many times.
      return new Promise<boolean>((resolve) => {
        const settle = () => {
          response.off("drain", settle);
          response.off("close", settle);
          resolve(!closed && !response.destroyed);
        };
        response.on("drain", settle);
        response.on("close", settle);
      });
    },
    end() {
      if (!closed && !response.destroyed) response.end();
    },
  };
}
