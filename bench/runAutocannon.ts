/**
 * autocannon, driven programmatically, for throughput. Its HdrHistogram keeps whole milliseconds, too coarse
 * for a sub-millisecond overhead, so the fractional latency of every response is also collected from its
 * "response" events and ranked here.
 */
import autocannon from "autocannon";
import { percentile, sortedCopy } from "./percentiles.js";
import type { ChatTarget } from "./chatTarget.js";

export interface AutocannonStats {
  requests: number;
  /** Mean requests per second over autocannon's 1-second samples. */
  rps: number;
  /** Successful requests over the whole run's duration (meaningful for runs shorter than a second too). */
  okPerSecond: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Count per status code of the responses that were not 2xx, to tell load shedding from rate limits from faults. */
  non2xxStatuses: Record<string, number>;
  /** From the response events, microseconds. */
  p50Us: number;
  p99Us: number;
  /** autocannon's own histogram percentiles, milliseconds (whole). */
  hdrP50Ms: number;
  hdrP99Ms: number;
}

export interface AutocannonOptions {
  connections: number;
  durationSec: number;
  stream?: boolean;
}

export async function runAutocannon(target: ChatTarget, options: AutocannonOptions): Promise<AutocannonStats> {
  const instance = autocannon({
    url: `${target.origin}${target.path}`,
    method: "POST",
    headers: target.headers,
    body: options.stream ? target.streamBody : target.plainBody,
    connections: options.connections,
    duration: options.durationSec,
  });
  const latencies: number[] = [];
  const non2xxStatuses: Record<string, number> = {};
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs * 1000);
    else non2xxStatuses[statusCode] = (non2xxStatuses[statusCode] ?? 0) + 1;
  });
  const result = await instance;
  const sorted = sortedCopy(latencies);
  return {
    requests: result["2xx"],
    rps: result.requests.average,
    okPerSecond: result.duration > 0 ? result["2xx"] / result.duration : 0,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    non2xxStatuses,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    hdrP50Ms: result.latency.p50,
    hdrP99Ms: result.latency.p99,
  };
}
