/**
 * Seconds to wait, from an upstream's `retry-after-ms` (OpenAI's precise variant, preferred) or `Retry-After`
 * (delta-seconds or an HTTP date). Rounded up so a client never retries early; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  retryAfter: string | undefined,
  retryAfterMs?: string,
  now: number = Date.now(),
): number | undefined {
  const ms = parseRetryAfterMs(retryAfter, retryAfterMs, now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/** The same wait in milliseconds, unrounded: what a retry should actually sleep. */
export function parseRetryAfterMs(
  retryAfter: string | undefined,
  retryAfterMs?: string,
  now: number = Date.now(),
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs.trim() !== "") {
    const ms = Number(retryAfterMs);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  if (retryAfter === undefined) return undefined;
  const value = retryAfter.trim();
  if (value === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  // An HTTP date always names its day and zone; Date.parse alone would also read "-3" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
