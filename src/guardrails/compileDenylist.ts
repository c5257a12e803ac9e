/**
 * A `denylist` rule's words and phrases as one detector: case-insensitive, whole words only (a letter, digit or
 * underscore on either side means it is part of another word: `ass` is not found in `class`), and the spaces of a
 * phrase match any run of whitespace, so a phrase broken over a line is still found.
 */
import type { Detector } from "./textSpan.js";

export function compileDenylist(words: readonly string[]): Detector {
  const alternatives = [...new Set(words.map((word) => word.trim()).filter((word) => word !== ""))]
    // Longest first, so a phrase wins over a word it starts with.
    .sort((a, b) => b.length - a.length)
    .map((word) => word.split(/\s+/).map(escapeRegExp).join("\\s+"));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_])`, "giu");
  return (text) => Array.from(text.matchAll(pattern), (match) => ({ start: match.index, end: match.index + match[0].length }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
