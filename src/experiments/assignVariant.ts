/**
 * Deterministic variant assignment: the same subject always lands on the same variant of an experiment, on every
 * replica and after restarts, with no assignment table. Subjects are spread by a hash of the experiment id and the
 * subject, so one user's variants in two experiments are independent.
 *
 * sha256 (node:crypto) rather than a fast non-crypto hash: it costs about a microsecond, once per chat request,
 * next to an LLM call; its output is uniform for any input shape (ids, emails, sequential numbers); and it is the
 * same everywhere, so an analyst can recompute an assignment in SQL or Python without porting a hash function.
 */
import { createHash } from "node:crypto";
import type { Experiment, Variant } from "../store/experiments.js";

export interface AssignmentSubject {
  userId: string;
  /** Used when the experiment assigns by session; a request without one falls back to its user. */
  sessionId?: string;
}

export function assignVariant(experiment: Experiment, subject: AssignmentSubject): Variant {
  const key = experiment.assignBy === "session" ? (subject.sessionId ?? subject.userId) : subject.userId;
  return pickByWeight(experiment.variants, unitHash(`${experiment.id}:${key}`));
}

/** The variant whose slice of the cumulative weights holds `point` (in [0, 1)); zero-weight variants own no slice. */
export function pickByWeight(variants: readonly Variant[], point: number): Variant {
  const total = variants.reduce((sum, variant) => sum + Math.max(variant.weight, 0), 0);
  let last: Variant | undefined;
  let cumulative = 0;
  const target = point * total;
  for (const variant of variants) {
    if (!(variant.weight > 0)) continue;
    cumulative += variant.weight;
    last = variant;
    if (target < cumulative) return variant;
  }
  // Reached only through floating-point rounding at the very top of the range: the last slice owns it.
  if (last === undefined) throw new Error("an experiment needs at least one variant with a weight above 0");
  return last;
}

/** The first 48 bits of the digest as a fraction in [0, 1): exact in a double, and far finer than any weight. */
function unitHash(text: string): number {
  return createHash("sha256").update(text).digest().readUIntBE(0, 6) / 2 ** 48;
}
