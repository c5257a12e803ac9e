/**
 * Resident memory of another process (the gateway under load), from /proc/<pid>/status: the runner must not
 * ask the measured process anything, and its own memory says nothing about the gateway's.
 */
import { readFile } from "node:fs/promises";

/** Bytes, or undefined where /proc is not available (not Linux) or the process is gone. */
export async function readRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSample {
  /** Seconds since sampling started. */
  t: number;
  rssBytes: number;
}

export interface RssSampler {
  samples: RssSample[];
  stop(): RssSample[];
}

/** Samples every intervalMs until stopped. */
export function sampleRss(pid: number | undefined, intervalMs: number): RssSampler {
  const samples: RssSample[] = [];
  const started = performance.now();
  const take = () =>
    void readRss(pid).then((rssBytes) => {
      if (rssBytes !== undefined) samples.push({ t: (performance.now() - started) / 1000, rssBytes });
    });
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

export function rssSummary(samples: readonly RssSample[]): { startMb: number; endMb: number; maxMb: number } {
  const mb = (bytes: number | undefined) => (bytes === undefined ? Number.NaN : bytes / 2 ** 20);
  return {
    startMb: mb(samples[0]?.rssBytes),
    endMb: mb(samples.at(-1)?.rssBytes),
    maxMb: mb(samples.length > 0 ? Math.max(...samples.map((s) => s.rssBytes)) : undefined),
  };
}

export interface RssGrowth {
  warmupSec: number;
  /** The lowest RSS after the warm-up, and the last, MB. */
  fromMb: number;
  toMb: number;
  percent: number;
}

/**
 * Growth from the lowest sample after `warmupSec` to the last one. The low is where a major collection brought
 * the heap down to what the load keeps alive; growth past it is what a leak would show, and measuring from the
 * low counts all of it.
 */
export function rssGrowth(samples: readonly RssSample[], warmupSec: number): RssGrowth {
  const after = samples.filter((s) => s.t >= warmupSec);
  const from = after.length > 0 ? after.reduce((low, s) => (s.rssBytes < low.rssBytes ? s : low)) : samples[0];
  const to = samples.at(-1);
  const fromMb = from === undefined ? Number.NaN : from.rssBytes / 2 ** 20;
  const toMb = to === undefined ? Number.NaN : to.rssBytes / 2 ** 20;
  return { warmupSec, fromMb, toMb, percent: ((toMb - fromMb) / fromMb) * 100 };
}
