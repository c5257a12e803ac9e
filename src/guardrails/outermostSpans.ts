/**
 * Spans in order of their start, without those another span contains: two detectors of one entity finding the
 * same thing (a JWT that is also a bearer token, an IPv4 tail inside an IPv6 address) report it once.
 */
import type { TextSpan } from "./textSpan.js";

export function outermostSpans<T extends TextSpan>(spans: T[]): T[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: T[] = [];
  let reach = -1;
  for (const span of spans) {
    if (span.end <= reach) continue;
    kept.push(span);
    reach = span.end;
  }
  return kept;
}
