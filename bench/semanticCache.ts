/**
 * The semantic cache's lookup cost in process, without the embedding call: the store's scan (scope filter through
 * its index, the newest `maxCandidates` live entries, cosine similarity in the database, the best one's answer
 * joined back) over `--entries` stored entries (default 100,000), on SQLite (a database file, so the scan runs on
 * the scan thread as it does in the gateway) and PostgreSQL (a throwaway database, `ANALYZE`d after the load).
 * Three layouts of the same number of entries:
 *
 *   spread     the entries over `--scopes` scopes (default 1,000: 100 each), a lookup in one of them
 *   one scope  every entry in one scope, a lookup comparing the newest maxCandidates (the default cap, 1,000)
 *   full scan  the same scope with the cap lifted to every entry (`--full-lookups`, default 10: the worst case)
 *
 * Plus the scope's own cost in JavaScript (semanticScope: the request's tuple hashed with SHA-256). Lookups run
 * one at a time; half look for a near copy of a stored vector, half for a random one (the scan costs the same).
 *
 *   npm run bench:semantic -- [--entries 100000] [--lookups 500] [--dims 384] [--dialects sqlite,postgres]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { semanticScope } from "../src/cache/semanticScope.js";
import { semanticCacheDefaultsSchema } from "../src/config/semanticCacheSchema.js";
import { openStore, type Store } from "../src/store/openStore.js";
import type { SemanticCacheStore } from "../src/store/semanticCacheStore.js";
import { benchUsage, parseBenchArgs, type NumberFlag, type StringFlag } from "./benchArgs.js";
import { formatTable } from "./formatTable.js";
import { markdownTable } from "./markdownTable.js";
import { percentile, sortedCopy } from "./percentiles.js";
import { runMain, runScenario } from "./runScenario.js";

const flags = {
  entries: { default: 100_000, min: 1, integer: true, help: "entries stored in each layout" },
  scopes: { default: 1000, min: 1, integer: true, help: "scopes of the spread layout" },
  lookups: { default: 500, min: 1, integer: true, help: "timed lookups per layout (after up to 20 untimed)" },
  "full-lookups": { default: 10, min: 1, integer: true, help: "timed lookups of the full-scan layout" },
  dims: { default: 384, min: 1, integer: true, help: "embedding dimensions" },
  "max-candidates": { default: semanticCacheDefaultsSchema.parse({}).maxCandidates, min: 1, integer: true, help: "cache.semantic.maxCandidates" },
} satisfies Record<string, NumberFlag>;
const strings = {
  dialects: { default: "sqlite,postgres", help: "stores to measure, comma-separated" },
} satisfies Record<string, StringFlag>;

const about = "Fills each layout through the store (not timed), then times lookups one at a time. About a minute on SQLite, several on PostgreSQL.";

// A seeded generator: runs compare alike.
let state = 7;
const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;

function unit(values: Float32Array): Float32Array {
  let norm = 0;
  for (const value of values) norm += value * value;
  norm = Math.sqrt(norm);
  for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) / norm;
  return values;
}
const randomVector = (dims: number) => unit(Float32Array.from({ length: dims }, () => random() * 2 - 1));
const nearCopy = (vector: Float32Array) => unit(vector.map((value) => value + (random() - 0.5) * 0.02));

interface Layout {
  name: string;
  /** The route its entries are stored under (so one layout can be deleted before the next is stored). */
  route: string;
  /** Scope of the i-th entry. */
  scopeOf(i: number): string;
  /** The scope a lookup searches. */
  lookupScope(): string;
  maxCandidates: number;
  lookups: number;
}

interface Figures {
  layout: string;
  dialect: string;
  entries: number;
  compared: number;
  lookups: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  fillSeconds: number;
}

async function fill(store: SemanticCacheStore, layout: Layout, entries: number, dims: number): Promise<{ seconds: number; samples: Float32Array[] }> {
  const started = performance.now();
  const now = Date.now();
  const samples: Float32Array[] = [];
  const answer = JSON.stringify({ text: "A stored answer of a few sentences. ".repeat(8), toolCalls: [], finishReason: "stop", usage: { inputTokens: 20, outputTokens: 60, totalTokens: 80 } });
  // A few writes in flight: PostgreSQL's pool takes them side by side, SQLite's one connection in turn.
  const inFlight = 8;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries; i = next++) {
      const vector = randomVector(dims);
      if (i % Math.max(1, Math.floor(entries / 200)) === 0) samples.push(vector);
      await store.put({
        scope: layout.scopeOf(i),
        embeddingModel: "bench/embedding",
        vector,
        tenant: "bench",
        route: layout.route,
        keyId: undefined,
        model: "bench/model",
        answer,
        // Created in order, an hour to live: every entry is a live candidate.
        createdAt: now - entries + i,
        expiresAt: now + 3_600_000,
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { seconds: (performance.now() - started) / 1000, samples };
}

async function measure(store: SemanticCacheStore, layout: Layout, samples: readonly Float32Array[], dims: number): Promise<number[]> {
  const times: number[] = [];
  // A few untimed lookups first (JIT, caches, the scan thread's statement); fewer for the slow full scan.
  const warmup = Math.min(20, Math.ceil(layout.lookups / 4));
  for (let i = -warmup; i < layout.lookups; i++) {
    const sample = samples[Math.floor(random() * samples.length)];
    const vector = i % 2 === 0 && sample !== undefined ? nearCopy(sample) : randomVector(dims);
    const started = process.hrtime.bigint();
    const match = await store.nearest({ scope: layout.lookupScope(), embeddingModel: "bench/embedding", vector, now: Date.now(), maxCandidates: layout.maxCandidates });
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    if (match === undefined) throw new Error(`${layout.name}: a lookup found no candidate`);
    if (i >= 0) times.push(elapsed);
  }
  return times;
}

async function databaseFor(dialect: "sqlite" | "postgres"): Promise<{ url: string; analyze(): Promise<void>; dispose(): Promise<void> }> {
  if (dialect === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "sy-bench-semantic-"));
    return { url: `sqlite:${join(dir, "bench.db")}`, analyze: async () => {}, dispose: () => rm(dir, { recursive: true, force: true }) };
  }
  const admin = process.env.SWITCHYARD_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `sy_bench_${randomBytes(4).toString("hex")}`;
  const run = async (connectionString: string, text: string) => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await run(admin, `create database ${name}`);
  const target = new URL(admin);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    // Autovacuum gathers statistics shortly after a bulk load; without them the planner guesses.
    analyze: () => run(target.toString(), "analyze semantic_cache"),
    dispose: () => run(admin, `drop database if exists ${name} with (force)`),
  };
}

function scopeCost(iterations: number): number {
  const request = {
    messages: [
      { role: "system" as const, content: "You are a helpful assistant for the Acme support desk. Answer briefly and politely." },
      { role: "user" as const, content: "How do I reset my password?" },
    ],
    temperature: 0.2,
  };
  let sink = 0;
  for (let i = -1000; i < iterations; i++) {
    if (i === 0) sink = Number(process.hrtime.bigint() % 2n);
    const scope = semanticScope({ tenant: "user-1", route: "faq", request, multiTurn: false });
    if (scope.eligible) sink += scope.scope.length;
  }
  return sink;
}

runMain("semantic cache benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags, strings);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/semanticCache.js [flags]", about, flags, strings)}\n`);
    return 0;
  }
  const n = args.numbers;
  const dialects = args.strings.dialects.split(",").map((d) => d.trim()) as Array<"sqlite" | "postgres">;
  for (const dialect of dialects) if (dialect !== "sqlite" && dialect !== "postgres") throw new Error(`unknown dialect ${String(dialect)}`);
  const command = ["node", "dist/bench/semanticCache.js", ...argv].join(" ");
  return runScenario({ name: "semantic-cache", command, outDir: args.outDir }, async ({ progress }) => {
    const figures: Figures[] = [];
    const spreadScopes = Array.from({ length: n.scopes }, (_, i) => `spread-${i}`);
    const layouts = (): Layout[] => [
      {
        name: "spread",
        route: "spread",
        scopeOf: (i) => spreadScopes[i % spreadScopes.length] ?? "spread-0",
        lookupScope: () => spreadScopes[Math.floor(random() * spreadScopes.length)] ?? "spread-0",
        maxCandidates: n["max-candidates"],
        lookups: n.lookups,
      },
      { name: "one scope", route: "one", scopeOf: () => "one", lookupScope: () => "one", maxCandidates: n["max-candidates"], lookups: n.lookups },
      { name: "full scan", route: "one", scopeOf: () => "one", lookupScope: () => "one", maxCandidates: n.entries, lookups: n["full-lookups"] },
    ];
    for (const dialect of dialects) {
      // One database per dialect; the spread entries are deleted before the one big scope is stored, so the table
      // holds `entries` rows for every measurement.
      const database = await databaseFor(dialect);
      let store: Store | undefined;
      try {
        store = await openStore(database.url);
        const semantic = store.semanticCache;
        if (semantic === undefined) throw new Error(`${dialect}: the store cannot compare vectors (sqlite-vec did not load)`);
        const [spread, one, full] = layouts();
        if (spread === undefined || one === undefined || full === undefined) throw new Error("three layouts");
        const runs: Array<[Layout, () => Promise<{ seconds: number; samples: Float32Array[] }>]> = [];
        let filled: { seconds: number; samples: Float32Array[] } | undefined;
        const storeLayout = async (layout: Layout) => {
          progress(`${dialect}: storing ${n.entries} entries (${layout.name})`);
          const result = await fill(semantic, layout, n.entries, n.dims);
          await database.analyze();
          return result;
        };
        runs.push([spread, () => storeLayout(spread)]);
        runs.push([
          one,
          async () => {
            await semantic.invalidate({ model: spread.route });
            return storeLayout(one);
          },
        ]);
        runs.push([full, async () => filled ?? storeLayout(one)]);
        for (const [layout, prepare] of runs) {
          filled = await prepare();
          progress(`${dialect}: ${layout.lookups} lookups, ${layout.name} (stored in ${filled.seconds.toFixed(1)} s)`);
          const times = sortedCopy(await measure(semantic, layout, filled.samples, n.dims));
          const perScope = layout.name === "spread" ? Math.ceil(n.entries / n.scopes) : n.entries;
          figures.push({
            layout: layout.name,
            dialect,
            entries: n.entries,
            compared: Math.min(perScope, layout.maxCandidates),
            lookups: times.length,
            p50Us: percentile(times, 50),
            p99Us: percentile(times, 99),
            meanUs: times.reduce((sum, value) => sum + value, 0) / times.length,
            fillSeconds: filled.seconds,
          });
        }
      } finally {
        await store?.close();
        await database.dispose();
      }
    }
    const scopeIterations = 100_000;
    const scopeStarted = process.hrtime.bigint();
    scopeCost(scopeIterations);
    const scopeUs = Number(process.hrtime.bigint() - scopeStarted) / 1000 / (scopeIterations + 1000);

    const us = (value: number) =>
      value >= 10_000
        ? `${(value / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ms`
        : `${Math.round(value).toLocaleString("en-US")} µs`;
    const header = ["layout", "store", "compared per lookup", "lookups", "p50", "p99", "mean µs / lookup", "µs / candidate"];
    const rows = figures.map((f) => [
      f.layout,
      f.dialect,
      f.compared.toLocaleString("en-US"),
      String(f.lookups),
      us(f.p50Us),
      us(f.p99Us),
      Math.round(f.meanUs).toLocaleString("en-US"),
      (f.meanUs / f.compared).toFixed(2),
    ]);
    const preface =
      `${n.entries.toLocaleString("en-US")} entries per layout (${n.dims} dimensions; spread: ${n.scopes.toLocaleString("en-US")} scopes), ` +
      `maxCandidates ${n["max-candidates"]}, lookups one at a time, embedding call excluded; the scope hash itself: ${scopeUs.toFixed(2)} µs per request`;
    return {
      result: { options: { ...n, dialects }, figures, scopeHashUs: scopeUs },
      text: `${preface}\n\n${formatTable(header, rows, 2)}`,
      markdown: `${preface}.\n\n${markdownTable(header, rows, 2)}`,
      failed: false,
    };
  });
});
