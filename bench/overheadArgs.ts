/** Command-line options of the overhead benchmark (bench/overhead.ts). */
import { parseArgs } from "node:util";

export interface OverheadArgs {
  /** Seconds per measurement (each of: autocannon, sequential plain, sequential stream) per variant per round. */
  durationSec: number;
  rounds: number;
  /** Seconds of untimed traffic per variant and kind before the first round (JIT, pools, SQLite pages). */
  warmupSec: number;
  /** Content chunks in each streamed answer of the mock. */
  chunks: number;
  /** Where to write the results as JSON; none by default. */
  out?: string;
  help: boolean;
}

export const overheadUsage = `usage: node dist/bench/overhead.js [--duration 10] [--rounds 3] [--warmup 2] [--chunks 16] [--out results.json]

Measures what Switchyard adds to a request at concurrency 1: direct to a mock upstream, through Switchyard with
info logs and metrics on, and with warn logs and metrics off. Each round runs, for every variant in turn:
autocannon (1 connection, --duration s), a sequential non-streaming loop and a sequential streaming loop (each
--duration s). Total time is about 3 × 3 × rounds × duration seconds plus warm-up.`;

export function parseOverheadArgs(argv: readonly string[]): OverheadArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string" },
      rounds: { type: "string" },
      warmup: { type: "string" },
      chunks: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const number = (name: string, text: string | undefined, fallback: number, min: number, integer = false): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} must be ${integer ? "an integer" : "a number"} ≥ ${min}, got "${text}"`);
    }
    return value;
  };
  return {
    durationSec: number("duration", values.duration, 10, 1, true),
    rounds: number("rounds", values.rounds, 3, 1, true),
    warmupSec: number("warmup", values.warmup, 2, 0),
    chunks: number("chunks", values.chunks, 16, 1, true),
    ...(values.out === undefined ? {} : { out: values.out }),
    help: values.help === true,
  };
}
