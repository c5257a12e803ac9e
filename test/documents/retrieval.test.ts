/**
 * Retrieval on both dialects over the written corpus: lexical recall@5 on labelled questions, project and access
 * filters that never leak (fast-check, with and without graph expansion), and graph expansion over the corpus'
 * reference structure.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { eachDialect } from "../store/eachDialect.js";
import { searchDocuments } from "../../src/documents/searchDocuments.js";
import type { Viewer } from "../../src/store/documents.js";
import { buildCorpus, projects } from "./corpus.js";
import { admin, loadCorpus } from "./loadCorpus.js";

const { documents: corpus, queries } = buildCorpus();

eachDialect("retrieval over the corpus", (context) => {
  let ids = new Map<string, string>();
  const byId = new Map<string, { projectId: string; accessLevel: number; key: string }>();
  before(async () => {
    ids = await loadCorpus(context.store.documents, corpus);
    for (const doc of corpus) byId.set(ids.get(doc.key) ?? "", { projectId: doc.input.projectId, accessLevel: doc.input.accessLevel, key: doc.key });
  });

  test("the corpus is large enough to mean something", () => {
    assert.ok(corpus.length >= 200, `${corpus.length} documents`);
    assert.equal(new Set(corpus.map((doc) => doc.input.projectId)).size, 3);
    assert.ok(queries.length >= 30, `${queries.length} labelled queries`);
  });

  test("lexical recall@5 on the labelled questions is at least 0.9", async () => {
    let found = 0;
    const misses: string[] = [];
    for (const query of queries) {
      const results = await searchDocuments(context.store.documents, admin, { q: query.q, projectId: query.projectId, topK: 5, threshold: 0, expand: 0 });
      const keys = new Set(results.map((result) => byId.get(result.documentId)?.key));
      if (keys.has(query.relevant)) found++;
      else misses.push(`${query.q} → ${[...keys].join(", ")}`);
    }
    const recall = found / queries.length;
    assert.ok(recall >= 0.9, `recall@5 ${recall.toFixed(3)}; missed:\n${misses.join("\n")}`);
  });

  test("scores are relative to the best match, best first, and the threshold cuts below it", async () => {
    const results = await searchDocuments(context.store.documents, admin, { q: "replica failover standby", projectId: "atlas", topK: 10, threshold: 0, expand: 0 });
    assert.ok(results.length > 1);
    assert.equal(results[0]?.score, 1);
    for (let i = 1; i < results.length; i++) assert.ok((results[i - 1]?.score ?? 0) >= (results[i]?.score ?? 0));
    const cut = await searchDocuments(context.store.documents, admin, { q: "replica failover standby", projectId: "atlas", topK: 10, threshold: 0.9, expand: 0 });
    assert.ok(cut.length >= 1 && cut.length < results.length);
    assert.ok(cut.every((result) => result.score >= 0.9));
  });

  test("a query of stop words or punctuation only finds nothing (and is no error)", async () => {
    assert.deepEqual(await searchDocuments(context.store.documents, admin, { q: 'the and "OR" * NEAR(', topK: 5, threshold: 0, expand: 0 }), []);
  });

  test("project and access-level filters never return a document the caller may not see, with or without expansion", async () => {
    const words = Object.values(projects).flatMap((subjects) => subjects.flatMap((subject) => subject.words));
    const projectIds = [...Object.keys(projects), "nowhere"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
        fc.option(fc.constantFrom(...projectIds), { nil: undefined }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 20 }),
        async (terms, projectId, level, expand, topK) => {
          const viewer: Viewer = { userId: "reader", admin: false, maxAccessLevel: level };
          const results = await searchDocuments(context.store.documents, viewer, { q: terms.join(" "), projectId, topK, threshold: 0, expand });
          for (const result of results) {
            const doc = byId.get(result.documentId);
            assert.ok(doc, `unknown document ${result.documentId}`);
            assert.ok(doc.accessLevel <= level, `level ${doc.accessLevel} document shown to a level ${level} caller (via ${result.via})`);
            if (projectId !== undefined) assert.equal(doc.projectId, projectId, `document of ${doc.projectId} in a ${projectId} search (via ${result.via})`);
          }
          assert.ok(results.filter((result) => result.via === "match").length <= topK);
          if (expand === 0) assert.ok(results.every((result) => result.via === "match"));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("expansion adds the subject's setup note (referenced) and the notes citing a setup note", async () => {
    const setup = ids.get("atlas/0/setup");
    const security = ids.get("atlas/0/security");
    assert.ok(setup && security);
    // "encrypt" and "vulnerability" only occur in security notes; replica only in subject 0.
    const results = await searchDocuments(context.store.documents, admin, { q: "replica vulnerability", projectId: "atlas", topK: 1, threshold: 0, expand: 1 });
    assert.equal(results[0]?.documentId, security);
    const referenced = results.find((result) => result.documentId === setup);
    assert.equal(referenced?.via, "references");
    assert.equal(referenced?.chunkId, null);
    assert.equal(referenced?.depth, 1);
    assert.ok(referenced.score < (results[0]?.score ?? 0));

    const fromSetup = await searchDocuments(context.store.documents, admin, { q: "replica prerequisites bootstrap", projectId: "atlas", topK: 1, threshold: 0, expand: 1 });
    assert.equal(fromSetup[0]?.documentId, setup);
    const citing = fromSetup.filter((result) => result.via === "cited_by").map((result) => byId.get(result.documentId)?.key).sort();
    // The five other notes of the subject, and the next subject's setup note.
    assert.deepEqual(citing, ["atlas/0/migration", "atlas/0/monitoring", "atlas/0/performance", "atlas/0/security", "atlas/0/troubleshooting", "atlas/1/setup"].sort());
  });
});
