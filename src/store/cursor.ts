/**
 * Opaque keyset cursors. A cursor is the sort key of the last item of a page, tagged with what it pages over so a
 * message cursor can't be replayed against the session list. Clients must not build them, so the encoding is
 * free to change; anything that doesn't decode is the client's error, never a 500.
 */
import { GatewayError } from "../errors.js";

type CursorPart = string | number;

export function encodeCursor(kind: string, key: readonly CursorPart[]): string {
  return Buffer.from(JSON.stringify([kind, ...key]), "utf8").toString("base64url");
}

/** The key parts of a cursor of `kind`, checked by `isKey`; throws invalid_request (param "cursor") otherwise. */
export function decodeCursor<K extends readonly CursorPart[]>(
  kind: string,
  cursor: string,
  isKey: (parts: readonly unknown[]) => parts is K,
): K {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed[0] === kind) {
    const key: readonly unknown[] = parsed.slice(1);
    if (isKey(key)) return key;
  }
  throw new GatewayError("invalid_request", "The cursor is not valid for this list.", { param: "cursor" });
}

/** Page sizes come from clients; a non-integer or out-of-range one is their error. */
export function assertLimit(limit: number, min: number): void {
  if (!Number.isSafeInteger(limit) || limit < min) {
    throw new GatewayError("invalid_request", `limit must be an integer of at least ${min}.`, { param: "limit" });
  }
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that another page exists, and the cursor is
 * the sort key of the last item kept.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  kind: string,
  keyOf: (item: Item) => readonly CursorPart[],
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(kind, keyOf(last)) : null };
}
