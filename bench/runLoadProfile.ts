/**
 * One load profile against one target: the open-loop run, the gateway's RSS sampled alongside, the figures
 * per kind and per window, and the threshold checks.
 */
import type { ChatTarget } from "./chatTarget.js";
import { checkRssGrowth, checkThresholds, type ThresholdCheck } from "./loadThresholds.js";
import { loadStats, loadWindows, type LoadStats, type LoadWindow } from "./loadStats.js";
import { runOpenLoop, type LoadMix } from "./openLoop.js";
import { rssGrowth, rssSummary, sampleRss, type RssGrowth } from "./sampleRss.js";

export interface LoadRunOptions {
  name: string;
  about: string;
  durationSec: number;
  windowSec: number;
  rate(t: number): number;
  mix: LoadMix;
  /** The gateway process, whose RSS is sampled once per window. */
  pid: number | undefined;
  maxInFlight: number;
  connections: number;
  timeoutMs: number;
}

export interface LoadRunResult {
  name: string;
  about: string;
  durationSec: number;
  stats: LoadStats;
  checks: ThresholdCheck[];
  pass: boolean;
  windows: LoadWindow[];
  rss: { startMb: number; endMb: number; maxMb: number };
  /** From the low after the first minute (a tenth of shorter runs) to the end; the soak is checked against it. */
  rssGrowth: RssGrowth;
}

export async function runLoadProfile(target: ChatTarget, options: LoadRunOptions): Promise<LoadRunResult> {
  const sampler = sampleRss(options.pid, options.windowSec * 1000);
  const samples = await runOpenLoop(target, {
    rate: options.rate,
    durationSec: options.durationSec,
    mix: options.mix,
    maxInFlight: options.maxInFlight,
    connections: options.connections,
    timeoutMs: options.timeoutMs,
  });
  const rss = sampler.stop();
  const windows = loadWindows(samples, options.windowSec, options.durationSec);
  for (const w of windows) {
    // The last sample taken by the end of the window.
    const sample = rss.filter((s) => s.t <= w.t + options.windowSec).at(-1);
    if (sample) w.rssMb = sample.rssBytes / 2 ** 20;
  }
  const stats = loadStats(samples);
  const growth = rssGrowth(rss, Math.min(60, options.durationSec / 10));
  const checks = [...checkThresholds(stats), ...(options.name === "soak" ? [checkRssGrowth(growth)] : [])];
  return {
    name: options.name,
    about: options.about,
    durationSec: options.durationSec,
    stats,
    checks,
    pass: checks.every((c) => c.pass),
    windows,
    rss: rssSummary(rss),
    rssGrowth: growth,
  };
}
