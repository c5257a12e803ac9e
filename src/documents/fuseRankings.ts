/**
 * Reciprocal rank fusion (Cormack et al., 2009): an item scores the sum over the rankings that hold it of
 * 1 / (k + rank), rank counted from 1. Only ranks matter, so rankings on unrelated scales (BM25, cosine
 * similarity) combine without calibration; k damps the weight of the very top ranks.
 */
export interface FusedItem {
  id: number;
  fused: number;
}

/** Best first; equal scores by id, so the order is deterministic. */
export function fuseRankings(rankings: readonly (readonly number[])[], k: number): FusedItem[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1)));
  }
  return [...scores].map(([id, fused]) => ({ id, fused })).sort((a, b) => b.fused - a.fused || a.id - b.id);
}
