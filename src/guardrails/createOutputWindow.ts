/**
 * The output check of a streamed answer. Text deltas are held and released in windows: a window is checked once
 * `overlapChars` more text has arrived after it, so that a match split across chunks ("john@exa" + "mple.com") is
 * seen whole before any of it leaves, and a match still running into the held text keeps its start held too.
 * Windows are released `windowChars` at a time, or sooner at a sentence's end; `flush` decides everything held
 * (the answer ended, or a tool call or the finish comes next). The last released characters stay as context, so
 * a word boundary or a look-behind sees what came before; a match longer than the overlap that started in text
 * already released still has its held part masked.
 *
 * A refusing rule's match in a released window throws guardrail_refused; the stream ends there, with what was
 * released before it. Webhook rules (`review`) see each window after masking and may rewrite or refuse it.
 */
import type { MaybePromise } from "../maybePromise.js";
import type { ScanRule } from "./guardrailRule.js";
import { guardrailRefused } from "./guardrailRefused.js";
import { maskSpans, type MaskSpan } from "./maskSpans.js";

export interface OutputWindow {
  /** Takes a delta; returns the text now safe to send (often ""). Throws (or rejects) with the refusal. */
  push(text: string): MaybePromise<string>;
  /** Decides and returns everything held. */
  flush(): MaybePromise<string>;
  /** The answer is over, however it ended: records the verdicts, once. */
  end(): void;
}

export interface OutputWindowOptions {
  scans: readonly ScanRule[];
  windowChars: number;
  overlapChars: number;
  /** The webhook rules' pass over a window about to be released; resolves to the text to send instead. */
  review?: ((text: string) => Promise<string>) | undefined;
  /** Called once, by `end`: the scan rules' matches, and the scan rule that refused, if one did. */
  onEnd(counts: ReadonlyMap<ScanRule, number>, refusedBy: ScanRule | undefined): void;
}

const SENTENCE_END = /[.!?\n]/;

export function createOutputWindow(options: OutputWindowOptions): OutputWindow {
  const { scans, windowChars, overlapChars, review } = options;
  // A match that keeps growing (a long token) is held while it does, but not without bound.
  const maxHeld = Math.max(4096, 8 * (windowChars + overlapChars));
  const counts = new Map<ScanRule, number>();
  let refusedBy: ScanRule | undefined;
  let context = "";
  let held = "";
  let ended = false;

  const release = (all: boolean): MaybePromise<string> => {
    const text = context + held;
    const offset = context.length;
    let cut = all ? text.length : text.length - overlapChars;
    if (cut <= offset) return "";
    const found = scans.map((rule) => ({ rule, spans: rule.detect(text).filter((span) => span.end > offset) }));
    if (!all && held.length <= maxHeld) {
      // A match the cut would split is held whole: its end may still grow.
      for (let moved = true; moved && cut > offset; ) {
        moved = false;
        for (const { spans } of found) {
          for (const span of spans) {
            if (span.start < cut && span.end > cut) {
              cut = Math.max(offset, span.start);
              moved = true;
            }
          }
        }
      }
      if (cut <= offset) return "";
    }
    const masks: MaskSpan[] = [];
    for (const { rule, spans } of found) {
      const decided = spans.filter((span) => span.start < cut);
      if (decided.length === 0) continue;
      counts.set(rule, (counts.get(rule) ?? 0) + decided.length);
      if (rule.action === "refuse") {
        refusedBy = rule;
        throw guardrailRefused(rule.name, "output");
      }
      for (const span of decided) masks.push({ start: Math.max(span.start, offset) - offset, end: Math.min(span.end, cut) - offset, placeholder: span.placeholder });
    }
    const piece = text.slice(offset, cut);
    context = (context + piece).slice(-overlapChars);
    held = text.slice(cut);
    const masked = maskSpans(piece, masks);
    return review === undefined || masked === "" ? masked : review(masked);
  };

  return {
    push(delta) {
      held += delta;
      const pending = held.length - overlapChars;
      if (pending < windowChars && !(pending > 0 && SENTENCE_END.test(delta))) return "";
      return release(false);
    },
    flush() {
      return held === "" ? "" : release(true);
    },
    end() {
      if (ended) return;
      ended = true;
      options.onEnd(counts, refusedBy);
    },
  };
}
