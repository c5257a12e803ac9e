/**
 * A `regex` rule's pattern as a detector, and the check the configuration runs on it at load: a pattern that does
 * not compile, takes flags other than i, m, s and u, or matches the empty string (it would match everywhere) is a
 * configuration error, not a surprise on the first request.
 */
import type { Detector, TextSpan } from "./textSpan.js";

export function patternProblem(pattern: string, flags: string): string | undefined {
  if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) return `flags must be some of "imsu", each once (got "${flags}")`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, flags);
  } catch (error) {
    return `the pattern does not compile: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (compiled.test("")) return "the pattern matches the empty string";
  return undefined;
}

export function compilePattern(pattern: string, flags: string): Detector {
  const compiled = new RegExp(pattern, `${flags}g`);
  return (text) => {
    const spans: TextSpan[] = [];
    for (const match of text.matchAll(compiled)) {
      // A pattern that matches nothing here and there (`a|b*`) still yields no empty spans.
      if (match[0] !== "") spans.push({ start: match.index, end: match.index + match[0].length });
    }
    return spans;
  };
}
