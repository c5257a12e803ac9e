/**
 * Server-sent events on a raw response, honouring backpressure: when the socket's buffer is full, writing waits
 * for 'drain' (or for the client to go away), so a slow reader never makes the server buffer without bound.
 *
 * Events sent in the same turn of the event loop (parts that arrived from the upstream together) are joined into
 * one string and written once at the end of the turn: one chunk of the response's chunked encoding and one socket
 * write, however many events, the first of them carrying the response head. An event produced alone still goes
 * out at the end of its own turn, so nothing waits for company and the first byte leaves with the first token.
 * A stream that ends in the turn its last events came in writes them, and the end of the chunked body, at once:
 * an upstream answer that arrived in one read leaves in one write.
 */
import type { ServerResponse } from "node:http";

/** Reading a character makes V8 turn a string built by concatenation into one flat string, in place. */
export function flatten(text: unknown): void {
  if (typeof text === "string") text.charCodeAt(0);
}

/** Characters of one turn's events held before they are written anyway. */
const maxPendingChars = 64 * 1024;

export interface SseStream {
  /**
   * Writes one event: true when the stream can take more at once, else a promise that resolves once the socket
   * drained (true) or the client went away (false). The common case costs no promise.
   */
  send(data: string, event?: string): boolean | Promise<boolean>;
  /** Writes an SSE comment line, which clients ignore: a keepalive that needs no event of the API's own. */
  comment(text: string): void;
  end(): void;
  /** The client went away (or the stream ended). A method: see callDeadline on accessors in object literals. */
  closed(): boolean;
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
  // Node keeps the head it wrote as the string it built piece by piece (a rope of a hundred-odd pieces, about
  // 2.5 KB) for as long as the response lives, which for a stream is minutes: flattening it keeps 400 bytes.
  flatten((response as unknown as { _header?: unknown })._header);
  let closed = false;
  response.once("close", () => {
    closed = true;
  });
  // Events of this turn not written yet.
  let pending = "";
  let scheduled = false;
  const gone = () => closed || response.destroyed;
  const flush = () => {
    scheduled = false;
    if (pending === "" || gone()) return;
    const frames = pending;
    pending = "";
    response.write(frames);
  };
  // Whichever comes first removes both listeners: a long stream to a slow reader waits here many times.
  const drained = () =>
    new Promise<boolean>((resolve) => {
      const settle = () => {
        response.off("drain", settle);
        response.off("close", settle);
        resolve(!gone());
      };
      response.on("drain", settle);
      response.on("close", settle);
    });

  const enqueue = (frame: string) => {
    pending += frame;
    // A producer that never yields (every part already there) must not pile up a turn without end: past a
    // bound, the turn's events go out now and the socket's own backpressure applies.
    if (pending.length >= maxPendingChars) flush();
    else if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
  };

  return {
    closed: gone,
    send(data, event) {
      if (gone()) return false;
      enqueue(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
      // The socket is behind (a slow reader): the producer waits for it rather than the server buffering more.
      return response.writableNeedDrain ? drained() : true;
    },
    comment(text) {
      // A reader that is behind has bytes on their way already; a keepalive would only add to its buffer.
      if (gone() || response.writableNeedDrain) return;
      enqueue(`: ${text}\n\n`);
    },
    end() {
      if (gone()) return;
      const frames = pending;
      pending = "";
      if (frames === "") response.end();
      else response.end(frames);
    },
  };
}
