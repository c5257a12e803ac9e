/** Scores to four decimals: enough to rank by, and stable across dialects' float formatting. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
