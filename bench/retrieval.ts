/**
 * Retrieval at scale: files documents until the store holds `--chunks` chunks (default 100,000) through the real
 * ingestion path — chunks embedded in process (feature-hashed bag of words, 384 dimensions) and written with their
 * vectors — then runs searches (2–4 words each, one project of four, top 5) through the Retriever in each mode:
 * lexical with and without graph expansion (`--queries`, default 300), vector and hybrid (`--vector-queries`,
 * default 100), and vector over every project (`--wide-queries`, default 30: the scan of every chunk). On SQLite
 * and PostgreSQL. Reports ingestion chunks/s and search p50/p95.
 *
 *   npm run build && node dist/bench/retrieval.js [--chunks 100000] [--queries 300] [--vector-queries 100] [--dialects sqlite,postgres]
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
import { createRetriever } from "../src/documents/createRetriever.js";
import type { RetrievalMode } from "../src/documents/searchDocuments.js";
import type { Viewer } from "../src/store/documents.js";
import { percentile, sortedCopy } from "./percentiles.js";
import { formatTable } from "./formatTable.js";
import { hashedDocumentEmbedder } from "./hashedDocumentEmbedder.js";

const { values } = parseArgs({
  options: {
    chunks: { type: "string", default: "100000" },
    queries: { type: "string", default: "300" },
    "vector-queries": { type: "string", default: "100" },
    "wide-queries": { type: "string", default: "30" },
    dialects: { type: "string", default: "sqlite,postgres" },
  },
});
const targetChunks = Number(values.chunks);
const queryCount = Number(values.queries);
const vectorQueryCount = Number(values["vector-queries"]);
const wideQueryCount = Number(values["wide-queries"]);
const embedder = hashedDocumentEmbedder();
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
      const { document, chunkCount } = await ingestDocument({ documents: store.documents, config, embedder }, writer, {
        projectId: PROJECTS[documents % PROJECTS.length] ?? "alpha",
        type: "note",
        title: `${pick()} ${pick()} ${pick()}`,
        content: documentText(),
        format: "markdown",
        // Every project holds every level (documents % 4 would tie each project to one level).
        accessLevel: Math.floor(documents / PROJECTS.length) % 4,
        references,
      });
      ids.push(document.id);
      chunks += chunkCount;
      documents++;
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    // Autovacuum gathers statistics shortly after a bulk load; without them the planner guesses the join order.
    if (dialect === "postgres") await analyze(url);

    // No similarity threshold (-1): hashed vectors of random words are far apart, every visible chunk may fill the
    // top 5, and the scan costs the same whatever it keeps.
    const retriever = createRetriever({ documents: store.documents, embedder, config: { vectorThreshold: -1 } });
    const measure = async (label: string, count: number, mode: RetrievalMode, options: { expand?: number; everyProject?: boolean } = {}) => {
      const samples: number[] = [];
      let results = 0;
      for (let i = 0; i < count; i++) {
        const q = Array.from({ length: 2 + (i % 3) }, () => vocabulary[Math.floor(random() * 4000)] ?? "ka").join(" ");
        const projectId = options.everyProject ? undefined : PROJECTS[i % PROJECTS.length];
        const t0 = performance.now();
        results += (await retriever.search(reader, { q, projectId, topK: 5, threshold: 0, expand: options.expand ?? 0, mode })).length;
        samples.push(performance.now() - t0);
      }
      const sorted = sortedCopy(samples);
      return [label, String(count), ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), (results / count).toFixed(1)];
    };
    const rows = [
      await measure("lexical", queryCount, "lexical"),
      await measure("lexical, expand 2", queryCount, "lexical", { expand: 2 }),
      await measure("vector", vectorQueryCount, "vector"),
      await measure("hybrid", vectorQueryCount, "hybrid"),
      await measure("hybrid, expand 2", vectorQueryCount, "hybrid", { expand: 2 }),
      await measure("vector, every project", wideQueryCount, "vector", { everyProject: true }),
    ];
    console.log(
      [
        `${dialect}: ${documents} documents, ${chunks} chunks (vectors of ${embedder.model})`,
        `  ingestion with embeddings: ${(chunks / ingestSeconds).toFixed(0)} chunks/s (${ingestSeconds.toFixed(1)} s)`,
        formatTable(["search (top 5, level ≤ 2)", "queries", "p50", "p95", "results"], rows)
          .split("\n")
          .map((line) => `  ${line}`)
          .join("\n"),
      ].join("\n"),
    );
  } finally {
    await store.close();
    await dispose();
  }
}

async function analyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("analyze");
  } finally {
    await client.end();
  }
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

for (const dialect of String(values.dialects).split(",")) {
  if (dialect !== "sqlite" && dialect !== "postgres") throw new Error(`unknown dialect ${dialect}`);
  await run(dialect);
}
