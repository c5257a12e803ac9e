/**
 * Reciprocal rank fusion on small rankings worked out by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuseRankings } from "../../src/documents/fuseRankings.js";

const rounded = (items: ReturnType<typeof fuseRankings>) => items.map(({ id, fused }) => [id, Math.round(fused * 1e6) / 1e6]);

test("k = 60: an item high in both rankings beats one first in only one; ties go to the lower id", () => {
  // Full text: 1, 2, 3, 4. Vectors: 4, 5.
  //   4: 1/64 + 1/61 = 0.015625 + 0.016393 = 0.032018
  //   1: 1/61 = 0.016393;  2 and 5: 1/62 = 0.016129 (tie: 2 first);  3: 1/63 = 0.015873
  assert.deepEqual(rounded(fuseRankings([[1, 2, 3, 4], [4, 5]], 60)), [
    [4, 0.032018],
    [1, 0.016393],
    [2, 0.016129],
    [5, 0.016129],
    [3, 0.015873],
  ]);
});

test("a small k weights the top ranks: first in one ranking beats fourth and fifth in both", () => {
  // A: 1, 2, 3, 7, 8. B: 6, 2, 3, 8, 7.
  //   k = 1:  1: 1/2 = 0.5;  6: 0.5;  2: 1/3 + 1/3 = 0.666667;  3: 1/4 + 1/4 = 0.5;  7, 8: 1/5 + 1/6 = 0.366667
  //   k = 60: 2: 2/62 = 0.032258;  3: 2/63 = 0.031746;  7, 8: 1/64 + 1/65 = 0.031010;  1, 6: 1/61 = 0.016393
  const a = [1, 2, 3, 7, 8];
  const b = [6, 2, 3, 8, 7];
  assert.deepEqual(rounded(fuseRankings([a, b], 1)), [
    [2, 0.666667],
    [1, 0.5],
    [3, 0.5],
    [6, 0.5],
    [7, 0.366667],
    [8, 0.366667],
  ]);
  assert.deepEqual(rounded(fuseRankings([a, b], 60)), [
    [2, 0.032258],
    [3, 0.031746],
    [7, 0.03101],
    [8, 0.03101],
    [1, 0.016393],
    [6, 0.016393],
  ]);
});

test("empty rankings fuse to nothing; one ranking keeps its order", () => {
  assert.deepEqual(fuseRankings([[], []], 60), []);
  assert.deepEqual(fuseRankings([[9, 3, 5]], 60).map((item) => item.id), [9, 3, 5]);
});
