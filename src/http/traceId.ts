import { randomHex } from "../observability/randomHex.js";

const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const clientIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

type HeaderValue = string | string[] | undefined;

/**
 * The request's trace id: a W3C traceparent's trace id, else a well-formed X-Trace-ID / X-Correlation-ID, else a
 * fresh W3C-shaped id. Malformed values are ignored rather than echoed, so headers cannot inject into logs.
 */
export function traceIdFrom(headers: Record<string, HeaderValue>): string {
  const traceparent = first(headers.traceparent);
  const match = traceparent ? traceparentPattern.exec(traceparent) : null;
  if (match?.[1] && !/^0+$/.test(match[1])) return match[1];
  for (const name of ["x-trace-id", "x-correlation-id"]) {
    const value = first(headers[name]);
    if (value && clientIdPattern.test(value)) return value;
  }
  return newTraceId();
}

/**
 * A W3C trace id (32 lowercase hex digits) for a request that brought none, led by 48 bits of Unix milliseconds
 * as a UUIDv7 is (see uuidV7), so the usage ledger's trace index stays append-only; the other 80 bits are random,
 * more than the 56 that Trace Context Level 2 asks to be random. A caller's own trace id is kept as it came.
 */
export function newTraceId(now = Date.now()): string {
  return now.toString(16).padStart(12, "0") + randomHex(10);
}

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
