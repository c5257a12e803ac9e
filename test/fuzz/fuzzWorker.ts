/**
 * Generates and sends one route's fuzzed bodies on a worker thread, so the client (fast-check, undici, reading
 * answers) and the server under test use a core each instead of taking turns on one event loop.
 */
import { parentPort, workerData, Worker } from "node:worker_threads";
import fc from "fast-check";
import { fuzzBodies } from "./fuzzBodies.js";
import { sendFuzzed, type FuzzFailure, type FuzzTarget } from "./sendFuzzed.js";

export interface FuzzJob {
  baseUrl: string;
  target: FuzzTarget;
  validBody: unknown;
  runs: number;
  seed: number;
  bodyLimitBytes: number;
}

export interface FuzzResult {
  failures: FuzzFailure[];
  statuses: Array<[number, number]>;
}

export function fuzzInWorker(job: FuzzJob): Promise<FuzzResult> {
  return new Promise<FuzzResult>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let result: FuzzResult | undefined;
    worker.once("message", (message: FuzzResult) => {
      result = message;
    });
    worker.once("error", reject);
    worker.once("exit", (code) => (result ? resolve(result) : reject(new Error(`fuzz worker exited with ${code} and no result`))));
  });
}

// Loaded as the worker (and only then: the test runner may load this file on its own too).
if (parentPort && workerData) {
  const job = workerData as FuzzJob;
  const bodies = fc.sample(fuzzBodies(job.validBody), { numRuns: job.runs, seed: job.seed });
  const { failures, statuses } = await sendFuzzed(job.baseUrl, job.target, bodies, { bodyLimitBytes: job.bodyLimitBytes });
  parentPort.postMessage({ failures, statuses: [...statuses] } satisfies FuzzResult);
}
