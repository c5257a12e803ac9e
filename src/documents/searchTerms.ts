/**
 * The words of a search query, as both full-text engines take them: letters and digits only (so nothing in a
 * query is ever read as an operator), lower-cased, without common English function words (which match nearly
 * every chunk and would make each search rank the whole index), each once, at most MAX_TERMS.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by can could do does did for from had has have how i if in into is it its me my " +
    "no not of on or our so such than that the their them then there these they this those to was we were what when " +
    "where which while who whom why will with would you your about after before should"
  ).split(" "),
);

const MAX_TERMS = 32;

export function searchTerms(query: string): string[] {
  const words = query.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms = [...new Set(words.filter((word) => !STOP_WORDS.has(word) && word.length <= 64))];
  return terms.slice(0, MAX_TERMS);
}
