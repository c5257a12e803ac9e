/**
 * One request at a time over one keep-alive connection (undici Client), timed with process.hrtime.bigint: the
 * microsecond view autocannon's whole-millisecond histogram cannot give, plus time to first body byte, which
 * is what a streaming client waits for.
 */
import { Client } from "undici";
import { percentile, sortedCopy } from "./percentiles.js";
import type { ChatTarget } from "./chatTarget.js";

export interface SequentialStats {
  /** Successful (200) requests measured. */
  count: number;
  errors: number;
  /** The first failure, to tell a broken setup from a slow one. */
  firstError?: string;
  /** Request sent → first body byte. */
  firstByte: { p50Us: number; p99Us: number };
  /** Request sent → last body byte. */
  total: { p50Us: number; p99Us: number; meanUs: number };
}

export interface SequentialOptions {
  stream: boolean;
  durationMs: number;
}

export async function measureSequential(target: ChatTarget, options: SequentialOptions): Promise<SequentialStats> {
  const client = new Client(target.origin, { pipelining: 1, keepAliveTimeout: 120_000 });
  const body = options.stream ? target.streamBody : target.plainBody;
  const firstBytes: number[] = [];
  const totals: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + options.durationMs;
  try {
    while (performance.now() < deadline) {
      const started = process.hrtime.bigint();
      let firstByte: bigint | undefined;
      try {
        const response = await client.request({ method: "POST", path: target.path, headers: target.headers, body });
        if (response.statusCode !== 200) {
          const text = await response.body.text();
          errors++;
          firstError ??= `status ${response.statusCode}: ${text.slice(0, 300)}`;
          continue;
        }
        for await (const chunk of response.body) {
          // Bodies are drained, not kept: only their timing matters here.
          if (firstByte === undefined && (chunk as Buffer).length > 0) firstByte = process.hrtime.bigint();
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        continue;
      }
      const ended = process.hrtime.bigint();
      firstBytes.push(Number((firstByte ?? ended) - started) / 1000);
      totals.push(Number(ended - started) / 1000);
    }
  } finally {
    await client.close();
  }
  const first = sortedCopy(firstBytes);
  const total = sortedCopy(totals);
  const sum = totals.reduce((a, b) => a + b, 0);
  return {
    count: totals.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    firstByte: { p50Us: percentile(first, 50), p99Us: percentile(first, 99) },
    total: { p50Us: percentile(total, 50), p99Us: percentile(total, 99), meanUs: totals.length > 0 ? sum / totals.length : Number.NaN },
  };
}
