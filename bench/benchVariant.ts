/** One thing under measurement in a side-by-side run: the direct upstream, a baseline, Switchyard, a peer. */
import type { ChatTarget } from "./chatTarget.js";

export interface BenchVariant {
  /** Stable key in the JSON results: "direct", "pass-through", "switchyard", "portkey", … */
  id: string;
  label: string;
  target: ChatTarget;
  /** The settings it ran with, shown next to its figures. */
  settings: Record<string, unknown>;
}

/** The variants in a different order each round, so none always runs first or just after a slow spell. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  return items.map((_, i) => items[(i + round) % items.length] as T);
}
