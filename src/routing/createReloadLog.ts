/**
 * What became of the last configuration reload (SIGHUP, --watch, RunningServer.reload), for the admin engines
 * API: an operator who edited the file can see whether it took, and if not, why. Only the last one is kept.
 */
import type { Scrubber } from "../observability/createScrubber.js";

export interface ReloadChanges {
  added: string[];
  removed: string[];
  kept: string[];
}

export interface ReloadOutcome extends ReloadChanges {
  /** ISO time of the reload. */
  at: string;
  /** false: the configuration was rejected and the running one kept (no engine changed). */
  ok: boolean;
  /** Why it was rejected (scrubbed: a validation message may quote a value). */
  error?: string;
}

export interface ReloadLog {
  /** ISO time the gateway started (with its first configuration). */
  readonly startedAt: string;
  /** The last reload; null before any. */
  last(): ReloadOutcome | null;
  applied(changes: ReloadChanges): void;
  rejected(error: unknown): void;
}

export function createReloadLog(options: { scrub?: Scrubber; now?: () => number } = {}): ReloadLog {
  const now = options.now ?? Date.now;
  const scrub = options.scrub ?? ((text: string) => text);
  const startedAt = new Date(now()).toISOString();
  let last: ReloadOutcome | null = null;
  return {
    startedAt,
    last: () => last,
    applied(changes) {
      last = { at: new Date(now()).toISOString(), ok: true, added: [...changes.added], removed: [...changes.removed], kept: [...changes.kept] };
    },
    rejected(error) {
      const message = error instanceof Error ? error.message : String(error);
      last = { at: new Date(now()).toISOString(), ok: false, added: [], removed: [], kept: [], error: scrub(message) };
    },
  };
}
