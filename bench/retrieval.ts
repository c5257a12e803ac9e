/**
 * Retrieval at scale: files documents until the store holds `--chunks` chunks (default 100,000) through the real
 * ingestion path, then runs `--queries` searches (2–4 words each, one project, top 5) with and without graph
 * expansion, on SQLite and PostgreSQL. Reports ingestion chunks/s and search p50/p95.
 *
 *   npm run build && node dist/bench/retrieval.js [--chunks 100000] [--queries 300] [--dialects sqlite,postgres]
 *
 * PostgreSQL: a throwaway database on SWITCHYARD_BENCH_POSTGRES_URL's server (default the local one, trust auth).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openStore, type Store } from "../src/store/openStore.js";
import { documentsSchema } from "../src/config/documentsSchema.js";
import { ingestDocument } from "../src/documents/ingestDocument.js";
import { searchDocuments } from "../src/documents/searchDocuments.js";
import type { Viewer } from "../src/store/documents.js";
import { percentile, sortedCopy } from "./percentiles.js";

const { values } = parseArgs({
  options: { chunks: { type: "string", default: "100000" }, queries: { type: "string", default: "300" }, dialects: { type: "string", default: "sqlite,postgres" } },
});
const targetChunks = Number(values.chunks);
const queryCount = Number(values.queries);
const config = documentsSchema.parse({ chunkTokens: 128, overlapTokens: 16 });
const writer: Viewer = { userId: "bench", admin: true, maxAccessLevel: undefined };
const reader: Viewer = { userId: "reader", admin: false, maxAccessLevel: 2 };
const PROJECTS = ["alpha", "beta", "gamma", "delta"];

// A vocabulary large enough that most words are rare, as in real technical text; a seeded generator keeps runs alike.
let state = 42;
const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
const syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "ri", "gu", "fe", "ba", "chi"];
const vocabulary = Array.from({ length: 20_000 }, (_, i) => {
  let word = "";
  for (let n = i + 1, k = 0; n > 0 || k < 2; n = Math.floor(n / syllables.length), k++) word += syllables[n % syllables.length];
  return word;
});
// Zipf-like: low indexes are common words.
const pick = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)] ?? "ka";
const paragraph = (words: number) => Array.from({ length: words }, pick).join(" ") + ".";

function documentText(): string {
  const sections = 4 + Math.floor(random() * 4);
  const parts: string[] = [];
  for (let s = 0; s < sections; s++) parts.push(`## ${pick()} ${pick()}`, "", paragraph(60 + Math.floor(random() * 40)), "", paragraph(50), "");
  return parts.join("\n");
}

async function run(dialect: "sqlite" | "postgres"): Promise<void> {
  let url: string;
  let dispose: () => Promise<void>;
  if (dialect === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "sy-bench-retrieval-"));
    url = `sqlite:${join(dir, "bench.db")}`;
    dispose = () => rm(dir, { recursive: true, force: true });
  } else {
    const admin = process.env.SWITCHYARD_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
    const name = `sy_bench_${randomBytes(4).toString("hex")}`;
    const adminQuery = async (text: string) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    };
    await adminQuery(`create database ${name}`);
    const target = new URL(admin);
    target.pathname = `/${name}`;
    url = target.toString();
    dispose = () => adminQuery(`drop database if exists ${name} with (force)`);
  }
  const store: Store = await openStore(url);
  try {
    let chunks = 0;
    let documents = 0;
    const started = performance.now();
    const ids: string[] = [];
    while (chunks < targetChunks) {
      const references = ids.length > 0 && random() < 0.7 ? [ids[Math.floor(random() * ids.length)] ?? ""] : [];
      const { document, chunkCount } = await ingestDocument({ documents: store.documents, config }, writer, {
        projectId: PROJECTS[documents % PROJECTS.length] ?? "alpha",
        type: "note",
        title: `${pick()} ${pick()} ${pick()}`,
        content: documentText(),
        format: "markdown",
        accessLevel: documents % 4,
        references,
      });
      ids.push(document.id);
      chunks += chunkCount;
      documents++;
    }
    const ingestSeconds = (performance.now() - started) / 1000;

    const measure = async (expand: number) => {
      const samples: number[] = [];
      let results = 0;
      for (let i = 0; i < queryCount; i++) {
        const q = Array.from({ length: 2 + (i % 3) }, () => vocabulary[Math.floor(random() * 4000)] ?? "ka").join(" ");
        const t0 = performance.now();
        results += (await searchDocuments(store.documents, reader, { q, projectId: PROJECTS[i % PROJECTS.length], topK: 5, threshold: 0, expand })).length;
        samples.push(performance.now() - t0);
      }
      const sorted = sortedCopy(samples);
      return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), avgResults: results / queryCount };
    };
    const plain = await measure(0);
    const expanded = await measure(2);
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    console.log(
      [
        `${dialect}: ${documents} documents, ${chunks} chunks`,
        `  ingestion: ${(chunks / ingestSeconds).toFixed(0)} chunks/s (${ingestSeconds.toFixed(1)} s)`,
        `  search top 5:          p50 ${ms(plain.p50)}  p95 ${ms(plain.p95)}  (${plain.avgResults.toFixed(1)} results)`,
        `  search top 5 expand 2: p50 ${ms(expanded.p50)}  p95 ${ms(expanded.p95)}  (${expanded.avgResults.toFixed(1)} results)`,
      ].join("\n"),
    );
  } finally {
    await store.close();
    await dispose();
  }
}

for (const dialect of String(values.dialects).split(",")) {
  if (dialect !== "sqlite" && dialect !== "postgres") throw new Error(`unknown dialect ${dialect}`);
  await run(dialect);
}
