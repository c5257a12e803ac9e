/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids that rows are keyed and indexed by
 * (usage ledger rows, request ids, messages) are made this way so each insert lands at the right-hand end of its
 * B-tree instead of on a random page: on the SQLite usage ledger, random UUIDs cost about three times the write
 * time per row (every commit rewrote a page per random key into the WAL), and PostgreSQL's indexes gain the same.
 * The random part comes from randomHex's pooled buffer, so an id costs no system call.
 */
import { randomHex } from "./randomHex.js";

const variants = "89ab";
// Requests arriving in the same millisecond share the time part's formatting.
let lastMs = -1;
let lastTime = "";

export function uuidV7(now = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    const hex = now.toString(16).padStart(12, "0");
    lastTime = `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
  }
  const random = randomHex(10);
  // Version nibble 7; the variant's top bits 10, so the nibble after the third dash is 8, 9, a or b.
  const variant = variants[Number.parseInt(random[3] as string, 16) & 3] as string;
  return `${lastTime}-7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(8, 20)}`;
}
