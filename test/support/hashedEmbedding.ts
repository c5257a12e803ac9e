/**
 * Deterministic embeddings with meaning, for the mock upstream and the retrieval benchmark: a feature-hashed bag of
 * words, L2-normalised. Texts sharing words are near, unrelated texts near orthogonal; a synonym table maps words to
 * a canonical one before hashing, so two texts with no word in common can still be near — which is what lets
 * vector search find what full-text search misses.
 */
export interface HashedEmbeddingOptions {
  /** Default 256. */
  dimensions?: number;
  /** word → the word it counts as (both lower case). */
  synonyms?: Readonly<Record<string, string>>;
}

const STOP_WORDS = new Set(
  "a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why will with you your do does can".split(" "),
);

export function hashedEmbedding(text: string, options: HashedEmbeddingOptions = {}): number[] {
  const dimensions = options.dimensions ?? 256;
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of wordsOf(text)) {
    const canonical = options.synonyms?.[word] ?? word;
    const hash = fnv1a(canonical);
    // A sign bit from the hash keeps collisions from always adding up.
    vector[hash % dimensions] = (vector[hash % dimensions] ?? 0) + ((hash >>> 16) & 1 ? 1 : -1);
  }
  let norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  // Nothing to hash (no words, or every word a stop word): one fixed direction, so the vector is still usable.
  if (norm === 0) {
    vector[0] = 1;
    norm = 1;
  }
  return vector.map((value) => Math.fround(value / norm));
}

/** Lower-case words of letters and digits, stop words dropped, a plural "s" taken off. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => !STOP_WORDS.has(word))
    .map((word) => (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word));
}

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** FNV-1a of a word's UTF-8 bytes: the feature hash of the test embedders. */
export function fnv1a(word: string): number {
  let hash = 2166136261;
  for (const byte of Buffer.from(word)) hash = Math.imul(hash ^ byte, 16777619);
  return hash >>> 0;
}

/** A mock upstream script that answers /v1/embeddings with hashedEmbedding vectors (whatever the model). */
export function hashedEmbeddingScript(options: HashedEmbeddingOptions = {}) {
  return () => ({ embedding: (input: string | number[]) => hashedEmbedding(typeof input === "string" ? input : input.join(" "), options) });
}
