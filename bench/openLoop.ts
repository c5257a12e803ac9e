/**
 * An open-loop load generator: requests are sent on a schedule (a rate that may change over time), whether or
 * not earlier ones have answered, as real users arrive; a closed loop (autocannon's connections) slows down
 * with the server and hides its queueing. Latency counts from the scheduled send time. When more than
 * maxInFlight requests are outstanding, a scheduled request is not sent and counts as a failure: the server
 * did not keep up.
 */
import { Pool } from "undici";
import type { ChatTarget } from "./chatTarget.js";

/** api: a non-LLM call (GET /v1/models); chat: non-streaming completion; stream: streamed completion. */
export type RequestKind = "api" | "chat" | "stream";
export type LoadMix = Record<RequestKind, number>;

export interface LoadSample {
  /** Scheduled send time, seconds since the start of the run. */
  t: number;
  kind: RequestKind;
  ok: boolean;
  /** 0 when no answer came (connection error, timeout, not sent). */
  status: number;
  /** Scheduled send → last body byte, ms (NaN when it failed before an answer). */
  latencyMs: number;
  /** Scheduled send → first body byte, ms: time to first token for a stream. */
  firstByteMs: number;
  error?: string;
}

export interface OpenLoopOptions {
  /** Requests per second at t seconds since the start. */
  rate(t: number): number;
  durationSec: number;
  mix: LoadMix;
  maxInFlight: number;
  connections: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export const defaultMix: LoadMix = { api: 0.2, chat: 0.4, stream: 0.4 };
const kinds: readonly RequestKind[] = ["api", "chat", "stream"];

/** Smooth weighted round-robin: the mix holds exactly over any stretch, with no randomness between runs. */
function kindPicker(mix: LoadMix): () => RequestKind {
  const current: LoadMix = { api: 0, chat: 0, stream: 0 };
  const total = kinds.reduce((sum, kind) => sum + mix[kind], 0);
  return () => {
    let best: RequestKind = "chat";
    for (const kind of kinds) {
      current[kind] += mix[kind];
      if (current[kind] > current[best]) best = kind;
    }
    current[best] -= total;
    return best;
  };
}

export async function runOpenLoop(target: ChatTarget, options: OpenLoopOptions): Promise<LoadSample[]> {
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 120_000 });
  const pick = kindPicker(options.mix);
  const samples: LoadSample[] = [];
  const pending = new Set<Promise<void>>();

  const send = async (t: number, kind: RequestKind, scheduledAt: number): Promise<void> => {
    let firstByte = Number.NaN;
    try {
      const response = await pool.request({
        method: kind === "api" ? "GET" : "POST",
        path: kind === "api" ? "/v1/models" : target.path,
        headers: target.headers,
        ...(kind === "api" ? {} : { body: kind === "stream" ? target.streamBody : target.plainBody }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      let tail = "";
      for await (const chunk of response.body) {
        if (Number.isNaN(firstByte)) firstByte = performance.now() - scheduledAt;
        tail = (tail + (chunk as Buffer).toString("latin1")).slice(-32);
      }
      const latencyMs = performance.now() - scheduledAt;
      // A stream that ends without [DONE] was cut short: a failure a status code alone would not show.
      const ok = response.statusCode === 200 && (kind !== "stream" || tail.includes("[DONE]"));
      samples.push({ t, kind, ok, status: response.statusCode, latencyMs, firstByteMs: Number.isNaN(firstByte) ? latencyMs : firstByte, ...(ok ? {} : { error: `status ${response.statusCode}` }) });
    } catch (error) {
      samples.push({ t, kind, ok: false, status: 0, latencyMs: Number.NaN, firstByteMs: firstByte, error: error instanceof Error ? error.message : String(error) });
    }
  };

  const started = performance.now();
  let last = started;
  let credit = 0;
  try {
    for (;;) {
      const now = performance.now();
      const t = (now - started) / 1000;
      if (t >= options.durationSec || options.signal?.aborted) break;
      credit += (Math.max(0, options.rate(t)) * (now - last)) / 1000;
      last = now;
      // Timers fire late on a busy machine; the credit makes up for it, so the rate holds on average.
      while (credit >= 1) {
        credit -= 1;
        const kind = pick();
        if (pending.size >= options.maxInFlight) {
          samples.push({ t, kind, ok: false, status: 0, latencyMs: Number.NaN, firstByteMs: Number.NaN, error: "not sent: too many requests in flight" });
          continue;
        }
        const request = send(t, kind, now);
        pending.add(request);
        void request.finally(() => pending.delete(request));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
  }
  return samples;
}
