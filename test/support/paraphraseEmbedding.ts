/**
 * A deterministic embedding model for the semantic cache's tests, served by a mock upstream on the OpenAI wire:
 * a weighted bag of normalized words, feature-hashed and L2-normalised. Normalizing makes paraphrases land on the
 * same words — contractions expanded ("what's" → what is), question and filler words dropped, synonyms folded
 * (km → kilometer, into → to), "capital city" read as "capital" — while what changes a question's meaning weighs
 * more than the rest: a number twice a word, a negation three times. So "convert 5 km to miles" and "convert 50 km
 * to miles" are far apart (0.43), "is it safe…" and "is it not safe…" too (0.5), and "capital of France" and
 * "capital of Spain" share only half their meaning (0.5); a rephrasing of the same words is 1.
 */
import { fnv1a } from "./hashedEmbedding.js";

export const PARAPHRASE_DIMENSIONS = 1024;

const STOP_WORDS = new Set(
  (
    "a an the of is are was were be been to in into on at for from by with as what which who whom how do does did can could would " +
    "should will shall may might i me my we our you your it its this that there please tell kindly re ve ll d m"
  ).split(" "),
);
const SYNONYMS: Readonly<Record<string, string>> = {
  km: "kilometer",
  kms: "kilometer",
  kilometers: "kilometer",
  kilometres: "kilometer",
  kilometre: "kilometer",
  miles: "mile",
  change: "convert",
  transform: "convert",
  harmless: "safe",
  passwords: "password",
  no: "not",
  never: "not",
};
const NEGATION_WEIGHT = 3;
const NUMBER_WEIGHT = 2;

/** The weighted words a text is reduced to, in order (exported for the tests that explain a score). */
export function paraphraseTerms(text: string): Array<{ term: string; weight: number }> {
  const expanded = text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\bwon't\b/g, "will not")
    .replace(/\bcan't\b/g, "can not")
    .replace(/n't\b/g, " not")
    .replace(/'s\b/g, " is")
    .replace(/'(re|ve|ll|d|m)\b/g, " $1");
  const words = expanded.match(/[\p{L}\p{N}]+(?:\.\d+)?/gu) ?? [];
  const terms: Array<{ term: string; weight: number }> = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    // "the capital city of France" asks what "the capital of France" asks.
    if (word === "city" && words[i - 1] === "capital") continue;
    const term = SYNONYMS[word] ?? word;
    if (STOP_WORDS.has(term)) continue;
    const weight = term === "not" ? NEGATION_WEIGHT : /^\d/.test(term) ? NUMBER_WEIGHT : 1;
    terms.push({ term, weight });
  }
  return terms;
}

export function paraphraseEmbedding(text: string): number[] {
  const vector = new Array<number>(PARAPHRASE_DIMENSIONS).fill(0);
  for (const { term, weight } of paraphraseTerms(text)) {
    const hash = fnv1a(term);
    const slot = hash % PARAPHRASE_DIMENSIONS;
    vector[slot] = (vector[slot] ?? 0) + ((hash >>> 16) & 1 ? weight : -weight);
  }
  let norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  // Nothing left (only stop words): one fixed direction, so the vector is still usable.
  if (norm === 0) {
    vector[0] = 1;
    norm = 1;
  }
  return vector.map((value) => Math.fround(value / norm));
}
