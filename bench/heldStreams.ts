/**
 * Many long SSE streams held open at once through the gateway: each lasts `holdSec` (one chunk a second from the
 * mock), they are opened at `openRate` per second, and the gateway's RSS is sampled throughout. Reports how
 * many completed with [DONE], the errors, the peak of streams open together, and memory per open stream.
 */
import { Pool } from "undici";
import type { ChatTarget } from "./chatTarget.js";
import { rssSummary, sampleRss, type RssSample } from "./sampleRss.js";

export interface HeldStreamsOptions {
  streams: number;
  openRate: number;
  /** Each stream's client-side timeout, ms. */
  timeoutMs: number;
  gatewayPid: number | undefined;
}

export interface HeldStreamsResult {
  streams: number;
  completed: number;
  failed: number;
  errors: Record<string, number>;
  /** Most streams open (answer started, not finished) at one time. */
  peakOpen: number;
  seconds: number;
  rss: { startMb: number; endMb: number; maxMb: number };
  /** (max − start) RSS over the peak of open streams. */
  rssPerOpenStreamKb: number;
  rssSamples: RssSample[];
}

export async function heldStreams(target: ChatTarget, options: HeldStreamsOptions): Promise<HeldStreamsResult> {
  const pool = new Pool(target.origin, { connections: options.streams, pipelining: 1, keepAliveTimeout: 120_000 });
  const sampler = sampleRss(options.gatewayPid, 1000);
  const errors: Record<string, number> = {};
  const count = (reason: string) => void (errors[reason] = (errors[reason] ?? 0) + 1);
  let open = 0;
  let peakOpen = 0;
  let completed = 0;
  const one = async (): Promise<void> => {
    let counted = false;
    try {
      const response = await pool.request({ method: "POST", path: target.path, headers: target.headers, body: target.streamBody, signal: AbortSignal.timeout(options.timeoutMs) });
      open++;
      counted = true;
      peakOpen = Math.max(peakOpen, open);
      let tail = "";
      for await (const chunk of response.body) tail = (tail + (chunk as Buffer).toString("latin1")).slice(-32);
      if (response.statusCode === 200 && tail.includes("[DONE]")) completed++;
      else count(`status ${response.statusCode}${response.statusCode === 200 ? " without [DONE]" : ""}`);
    } catch (error) {
      count(error instanceof Error ? error.message : String(error));
    } finally {
      if (counted) open--;
    }
  };
  const started = performance.now();
  const all: Promise<void>[] = [];
  try {
    for (let i = 0; i < options.streams; i++) {
      // Opening at a bounded rate: ten thousand connects in one burst measure the kernel's accept queue, not streams.
      const due = started + (i / options.openRate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      all.push(one());
    }
    await Promise.all(all);
  } finally {
    await pool.close();
  }
  const samples = sampler.stop();
  const rss = rssSummary(samples);
  const failed = options.streams - completed;
  return {
    streams: options.streams,
    completed,
    failed,
    errors,
    peakOpen,
    seconds: (performance.now() - started) / 1000,
    rss,
    rssPerOpenStreamKb: peakOpen > 0 ? ((rss.maxMb - rss.startMb) * 1024) / peakOpen : Number.NaN,
    rssSamples: samples,
  };
}
