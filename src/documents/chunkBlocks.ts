/**
 * Cuts a document's blocks into chunks of about `chunkTokens` estimated tokens. Chunks never cross a heading (each
 * carries the path of headings it sits under), paragraphs are kept whole when they fit, longer ones are cut at
 * sentence and then word boundaries, and each chunk after the first of a section starts with the last
 * `overlapTokens` of the one before, so a passage cut at a boundary is still found in one piece.
 */
import { estimateTokens } from "../metering/estimateTokens.js";
import type { Block } from "./markdownBlocks.js";

export interface Chunk {
  ordinal: number;
  text: string;
  tokenCount: number;
  /** Headings above the chunk, outermost first. */
  headingPath: string[];
}

export interface ChunkOptions {
  chunkTokens: number;
  overlapTokens: number;
}

export function tokensOf(text: string): number {
  return estimateTokens(Buffer.byteLength(text));
}

export function chunkBlocks(blocks: readonly Block[], options: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let section: string[] = [];
  const flushSection = () => {
    const headingPath = path.map((heading) => heading.text);
    for (const text of packSection(section, options)) {
      chunks.push({ ordinal: chunks.length, text, tokenCount: tokensOf(text), headingPath });
    }
    section = [];
  };
  for (const block of blocks) {
    if (block.kind === "paragraph") {
      section.push(block.text);
      continue;
    }
    flushSection();
    while (path.length > 0 && (path.at(-1)?.level ?? 0) >= block.level) path.pop();
    path.push({ level: block.level, text: block.text });
  }
  flushSection();
  return chunks;
}

function packSection(paragraphs: readonly string[], options: ChunkOptions): string[] {
  const pieces = paragraphs.flatMap((paragraph) => splitOversized(paragraph, options.chunkTokens));
  const out: string[] = [];
  let current: string[] = [];
  let fresh = 0;
  const join = (parts: readonly string[]) => parts.join("\n\n");
  for (const piece of pieces) {
    // Overlap alone never makes a chunk: only text that was not in the previous one does.
    if (fresh > 0 && tokensOf(join([...current, piece])) > options.chunkTokens) {
      const text = join(current);
      out.push(text);
      const tail = overlapTail(text, options.overlapTokens);
      current = tail !== "" && tokensOf(join([tail, piece])) <= options.chunkTokens ? [tail] : [];
      fresh = 0;
    }
    current.push(piece);
    fresh++;
  }
  if (fresh > 0) out.push(join(current));
  return out;
}

/** The last words of `text` worth at most `overlapTokens`. */
function overlapTail(text: string, overlapTokens: number): string {
  if (overlapTokens <= 0) return "";
  const words = text.split(/\s+/);
  let start = words.length;
  let bytes = 0;
  while (start > 0) {
    const word = words[start - 1] ?? "";
    if (estimateTokens(bytes + Buffer.byteLength(word)) > overlapTokens) break;
    bytes += Buffer.byteLength(word) + 1;
    start--;
  }
  return words.slice(start).join(" ");
}

/** A paragraph longer than a chunk, cut at sentence ends, then (for a sentence that is still too long) at words. */
function splitOversized(paragraph: string, chunkTokens: number): string[] {
  if (tokensOf(paragraph) <= chunkTokens) return [paragraph];
  const sentences = paragraph.match(/[^.!?]+(?:[.!?]+|$)\s*/g) ?? [paragraph];
  const out: string[] = [];
  let current = "";
  const push = (text: string) => {
    if (text.trim() !== "") out.push(text.trim());
  };
  for (const sentence of sentences) {
    if (tokensOf(sentence) > chunkTokens) {
      push(current);
      current = "";
      out.push(...splitWords(sentence, chunkTokens));
    } else if (tokensOf(current + sentence) > chunkTokens) {
      push(current);
      current = sentence;
    } else {
      current += sentence;
    }
  }
  push(current);
  return out;
}

function splitWords(sentence: string, chunkTokens: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of sentence.split(/\s+/).filter(Boolean)) {
    // A single word longer than a chunk (a hash, a long URL) is cut by characters.
    if (tokensOf(word) > chunkTokens) {
      if (current !== "") out.push(current);
      current = "";
      const step = chunkTokens * 4;
      for (let i = 0; i < word.length; i += step) out.push(word.slice(i, i + step));
      continue;
    }
    const next = current === "" ? word : `${current} ${word}`;
    if (tokensOf(next) > chunkTokens) {
      out.push(current);
      current = word;
    } else {
      current = next;
    }
  }
  if (current !== "") out.push(current);
  return out;
}
