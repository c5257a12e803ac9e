/**
 * Replaces spans of a text with their placeholders. Overlapping spans (an email inside a match of a broader
 * pattern) become one placeholder, the first-starting one's, covering both, so nothing of either shows through.
 */
import type { TextSpan } from "./textSpan.js";

export interface MaskSpan extends TextSpan {
  placeholder: string;
}

export function maskSpans(text: string, spans: readonly MaskSpan[]): string {
  if (spans.length === 0) return text;
  const ordered = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  for (const span of ordered) {
    if (span.end <= at) continue;
    if (span.start < at) {
      // Overlaps the previous placeholder: the rest of it is hidden under that one.
      at = span.end;
      continue;
    }
    out += text.slice(at, span.start) + span.placeholder;
    at = span.end;
  }
  return out + text.slice(at);
}
