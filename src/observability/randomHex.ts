/**
 * Random identifiers for the request path (trace and span ids, completion ids), in hex. Drawn from a pooled buffer
 * refilled 4 KiB at a time, as crypto.randomUUID does, rather than one randomBytes call (a system call) per id.
 * These ids must be unique and unguessable enough to not collide; they are not credentials, which never come from here.
 */
import { randomFillSync } from "node:crypto";

const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

export function randomHex(bytes: number): string {
  if (bytes > pool.length) throw new RangeError(`randomHex: at most ${pool.length} bytes`);
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
