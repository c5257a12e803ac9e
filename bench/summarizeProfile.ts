/**
 * A V8 CPU profile (.cpuprofile) as figures a report can hold: the share of samples by function (self time) and
 * by where the code lives (this project, each package, Node.js internals, the garbage collector, idle).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileShare {
  name: string;
  /** Share of the busy samples (idle excluded), 0–1. */
  share: number;
}

export interface ProfileSummary {
  /** Milliseconds sampled while busy. */
  busyMs: number;
  /** Share of all samples that were idle. */
  idle: number;
  gc: number;
  functions: ProfileShare[];
  areas: ProfileShare[];
  /**
   * Each Fastify hook function with what it calls, up to the next hook it hands over to (the innermost hook on a
   * sample's stack takes the sample): what every hook of a request costs.
   */
  hooks: ProfileShare[];
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    // A sample's delta is the time since the previous one: it is charged to this sample's node.
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  let gc = 0;
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  const hooks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    if (functionName === "(garbage collector)") gc += us;
    const name = `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const hook = hookOf(id, byId, parentOf);
    if (hook !== undefined) hooks.set(hook, (hooks.get(hook) ?? 0) + us);
  }
  const busy = total - idle;
  const ranked = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, share: busy > 0 ? us / busy : 0 }));
  return { busyMs: busy / 1000, idle: total > 0 ? idle / total : 0, gc: busy > 0 ? gc / busy : 0, functions: ranked(functions, top), areas: ranked(areas, 20), hooks: ranked(hooks, 20) };
}

/** The innermost hook on the sample's stack: a frame that Fastify's hook runner (lib/hooks.js) called. */
function hookOf(id: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>): string | undefined {
  let child: ProfileNode | undefined;
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const node = byId.get(current);
    if (!node) return undefined;
    const frame = node.callFrame;
    if (child && frame.url.endsWith("fastify/lib/hooks.js") && !child.callFrame.url.endsWith("fastify/lib/hooks.js")) {
      const { functionName, url, lineNumber } = child.callFrame;
      return `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`;
    }
    child = node;
  }
  return undefined;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const dist = url.lastIndexOf("/dist/");
  if (dist >= 0) return url.slice(dist + "/dist/".length);
  return url.replace(/^node:/, "node:");
}

function areaOf(functionName: string, url: string): string {
  if (functionName.startsWith("(")) return functionName;
  if (url === "") return "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? "?");
  }
  if (url.startsWith("node:")) return "node internals";
  const dist = url.lastIndexOf("/dist/src/");
  if (dist >= 0) return `switchyard ${url.slice(dist + "/dist/src/".length).split("/")[0] ?? ""}`.replace(/\.js$/, "");
  return "other";
}

export function profileTable(summary: ProfileSummary, markdown: boolean): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  const rows = (title: string, shares: ProfileShare[]) =>
    markdown
      ? [`| ${title} | share of busy samples |`, "| --- | ---: |", ...shares.map((s) => `| \`${s.name.replace(/\|/g, "\\|")}\` | ${pct(s.share)} |`)].join("\n")
      : [title, ...shares.map((s) => `  ${pct(s.share).padStart(7)}  ${s.name}`)].join("\n");
  const head = `busy ${summary.busyMs.toFixed(0)} ms sampled; idle ${pct(summary.idle)} of all samples; garbage collector ${pct(summary.gc)} of busy`;
  return [head, "", rows("area", summary.areas), "", rows("function (self time)", summary.functions), "", rows("Fastify hooks, and the stages they hand over to (with what each calls, up to the next)", summary.hooks)].join("\n");
}
