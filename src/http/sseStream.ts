/**
 * Server-sent events on a raw response, honouring backpressure: when the socket's buffer is full, writing waits
 * for 'drain' (or for the client to go away), so a slow reader never makes the server buffer without bound.
 */
import type { ServerResponse } from "node:http";
import { once } from "node:events";

export interface SseStream {
  /** Writes one event; resolves false when the client has gone and nothing more should be sent. */
  send(data: string, event?: string): Promise<boolean>;
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

  return {
    get closed() {
      return closed || response.destroyed;
    },
    async send(data, event) {
      if (closed || response.destroyed) return false;
      const frame = event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
      if (response.write(frame)) return true;
      await Promise.race([once(response, "drain"), once(response, "close")]);
      return !closed && !response.destroyed;
    },
    end() {
      if (!closed && !response.destroyed) response.end();
    },
  };
}
