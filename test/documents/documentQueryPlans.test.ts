/**
 * The hot document queries are served by indexes on both dialects: full-text search (FTS5 / GIN), the project
 * listing, and the reference walk both ways. The SQL explained is what the store sent (captured through
 * openStore's onQuery), over the written corpus plus a few thousand filler chunks, ANALYZEd.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompiledQuery, Kysely, sql } from "kysely";
import { openStore, type Store } from "../../src/store/openStore.js";
import { postgresDialect } from "../../src/store/postgresDialect.js";
import { sqliteDialect } from "../../src/store/sqliteDialect.js";
import { searchDocuments } from "../../src/documents/searchDocuments.js";
import { ingestDocument } from "../../src/documents/ingestDocument.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { buildCorpus } from "./corpus.js";
import { admin, documentsConfig, loadCorpus } from "./loadCorpus.js";

const reader = { userId: "reader", admin: false, maxAccessLevel: 2 };

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`document query plans [${dialect}]`, () => {
    let store: Store;
    let explainer: Kysely<unknown>;
    let dispose: () => Promise<void>;
    const sent: CompiledQuery[] = [];

    before(async () => {
      let url: string;
      if (dialect === "postgres") {
        const database = await createTestPostgresDatabase();
        url = database.url;
        explainer = new Kysely({ dialect: postgresDialect(url, undefined).dialect });
        dispose = database.drop;
      } else {
        const dir = await mkdtemp(join(tmpdir(), "sy-doc-plans-"));
        url = `sqlite:${join(dir, "plans.db")}`;
        explainer = new Kysely({ dialect: sqliteDialect(join(dir, "plans.db")) });
        dispose = () => rm(dir, { recursive: true, force: true });
      }
      store = await openStore(url, { onQuery: (event) => void sent.push(event.query) });
      await loadCorpus(store.documents, buildCorpus().documents);
      // Enough chunks that a planner prefers an index to reading the table whole, as it would in production.
      const words = (i: number, p: number) => Array.from({ length: 60 }, (_, w) => `w${(i * 31 + p * 7 + w) % 5000}`).join(" ");
      const previous: string[] = [];
      for (let i = 0; i < 600; i++) {
        const filler = Array.from({ length: 12 }, (_, p) => `Record ${i} part ${p}: ${words(i, p)}.`).join("\n\n");
        const references = previous.slice(-3);
        const { document } = await ingestDocument({ documents: store.documents, config: documentsConfig }, admin, {
          projectId: `filler-${i % 30}`,
          type: "log",
          title: `Record ${i}`,
          content: filler,
          format: "markdown",
          references,
        });
        previous.push(document.id);
      }
      await sql`analyze`.execute(explainer);
    });
    after(async () => {
      await store.close();
      await explainer.destroy();
      await dispose();
    });

    /** The plan (one line per step) of every read `call` sent. */
    const plansOf = async (call: () => Promise<unknown>): Promise<string[]> => {
      sent.length = 0;
      await call();
      const reads = sent.filter((query) => /^\s*(select|with)\b/i.test(query.sql));
      assert.ok(reads.length > 0, "no read was sent");
      const plans: string[] = [];
      for (const query of reads) {
        const prefix = dialect === "postgres" ? "explain " : "explain query plan ";
        const { rows } = await explainer.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
        plans.push(rows.map((row) => String(row["QUERY PLAN"] ?? row["detail"])).join("\n"));
      }
      return plans;
    };

    test("full-text search uses the full-text index and reaches chunks and documents by key", async () => {
      const [plan = ""] = await plansOf(() => store.documents.searchChunks(["replica", "failover"], { projectId: "atlas", maxAccessLevel: 2 }, 5));
      if (dialect === "sqlite") {
        assert.match(plan, /SCAN f VIRTUAL TABLE INDEX/, plan);
        assert.match(plan, /SEARCH c USING INTEGER PRIMARY KEY/, plan);
        assert.match(plan, /SEARCH d USING INDEX sqlite_autoindex_documents_1/, plan);
      } else {
        assert.match(plan, /Bitmap Index Scan on document_chunks_search_idx/, plan);
        assert.doesNotMatch(plan, /Seq Scan on document_chunks/, plan);
      }
    });

    test("the project listing follows its index", async () => {
      for (const plan of await plansOf(() => store.documents.list(reader, "atlas", { limit: 20 }))) {
        assert.match(plan, /documents_project_created_idx/, plan);
        assert.doesNotMatch(plan, /Seq Scan on documents|SCAN documents$/m, plan);
      }
    });

    test("the reference walk uses the edge indexes both ways, not a scan of all edges", async () => {
      const plans = await plansOf(() => searchDocuments(store.documents, reader, { q: "replica failover", projectId: "atlas", topK: 5, threshold: 0, expand: 2 }));
      const walks = plans.filter((plan) => /document_references/.test(plan));
      assert.equal(walks.length, 2, "one walk per direction");
      const [forward = "", backward = ""] = walks;
      const index = (name: string) => (dialect === "sqlite" ? new RegExp(`SEARCH e USING (COVERING )?INDEX ${name}`) : new RegExp(`(Index (Only )?Scan using|Bitmap Index Scan on) ${name}\\b`));
      assert.match(forward, index(dialect === "sqlite" ? "sqlite_autoindex_document_references_1" : "document_references_pkey"), forward);
      assert.match(backward, index("document_references_to_idx"), backward);
      for (const walk of walks) assert.doesNotMatch(walk, /SCAN e\b(?! USING)|Seq Scan on document_references/, walk);
    });
  });
}
