import type { Readable } from "node:stream";

/**
 * Reads at most `limit` bytes of a body as UTF-8. A body that is longer is destroyed rather than drained: an
 * error page is not worth downloading, and the socket is not reused either way.
 */
export async function readBoundedText(body: Readable, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of body as AsyncIterable<Buffer>) {
      const room = limit - size;
      if (part.length > room) {
        parts.push(part.subarray(0, room));
        size = limit;
        break;
      }
      parts.push(part);
      size += part.length;
    }
  } catch {
    // A broken error body still leaves whatever arrived; the status alone is enough to classify the failure.
  } finally {
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(parts, size).toString("utf8");
}
