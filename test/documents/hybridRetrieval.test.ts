/**
 * Vector and hybrid retrieval over the written corpus on both dialects, with chunks embedded through a real mock
 * upstream (feature-hashed bag of words): recall@5 of each mode on the labelled questions, and project and
 * access-level filters that never leak in vector and hybrid modes, with and without graph expansion (fast-check).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { eachDialect } from "../store/eachDialect.js";
import { createRetriever, type Retriever } from "../../src/documents/createRetriever.js";
import type { RetrievalMode } from "../../src/documents/searchDocuments.js";
import type { Viewer } from "../../src/store/documents.js";
import { buildCorpus, projects } from "./corpus.js";
import { admin, loadCorpus } from "./loadCorpus.js";
import { startEmbeddingUpstream, type EmbeddingUpstream } from "./embeddingUpstream.js";

const { documents: corpus, queries } = buildCorpus();

eachDialect("vector and hybrid retrieval over the corpus", (context) => {
  let upstream: EmbeddingUpstream;
  let retriever: Retriever;
  const byId = new Map<string, { projectId: string; accessLevel: number; key: string }>();
  before(async () => {
    upstream = await startEmbeddingUpstream();
    const embedder = upstream.embedderFor("hash");
    const ids = await loadCorpus(context.store.documents, corpus, embedder);
    for (const doc of corpus) byId.set(ids.get(doc.key) ?? "", { projectId: doc.input.projectId, accessLevel: doc.input.accessLevel, key: doc.key });
    retriever = createRetriever({ documents: context.store.documents, embedder });
  });
  after(async () => {
    await upstream.close();
  });

  const recallAt5 = async (mode: RetrievalMode, vectorThreshold?: number) => {
    let found = 0;
    let withVectorMatches = 0;
    for (const query of queries) {
      const results = await retriever.search(admin, { q: query.q, projectId: query.projectId, topK: 5, threshold: 0, expand: 0, mode, vectorThreshold });
      if (results.some((result) => byId.get(result.documentId)?.key === query.relevant)) found++;
      if (results.some((result) => typeof result.vectorScore === "number")) withVectorMatches++;
    }
    return { recall: found / queries.length, label: `${(found / queries.length).toFixed(3)} (${withVectorMatches} with vector matches)` };
  };

  test("every chunk of the corpus has a vector of the model", async () => {
    const coverage = await context.store.documents.embeddingCoverage("emb/hash");
    assert.ok(coverage.chunks >= corpus.length);
    assert.deepEqual(coverage, { chunks: coverage.chunks, current: coverage.chunks, otherModel: 0, missing: 0 });
  });

  test("hybrid recall@5 on the labelled questions is at least 0.9 (vector recall reported)", async (t) => {
    const lexical = await recallAt5("lexical");
    const hybrid = await recallAt5("hybrid");
    const hybridLoose = await recallAt5("hybrid", 0.3);
    const vector = await recallAt5("vector", 0.3);
    t.diagnostic(
      `recall@5 over ${queries.length} questions: lexical ${lexical.label}, hybrid ${hybrid.label} at vectorThreshold 0.7, ` +
        `hybrid ${hybridLoose.label} and vector ${vector.label} at vectorThreshold 0.3`,
    );
    assert.ok(hybrid.recall >= 0.9, `hybrid recall@5 ${hybrid.label}`);
    assert.ok(hybridLoose.recall >= 0.9, `hybrid recall@5 at vectorThreshold 0.3: ${hybridLoose.label}`);
    // Bag-of-words vectors know the corpus' subject words as well as full text does; far from chance (5 of 216 documents).
    assert.ok(vector.recall >= 0.5, `vector recall@5 ${vector.label}`);
  });

  test("project and access-level filters never leak in vector and hybrid modes, with or without expansion", async () => {
    const words = Object.values(projects).flatMap((subjects) => subjects.flatMap((subject) => subject.words));
    const projectIds = [...Object.keys(projects), "nowhere"];
    let vectorMatches = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
        fc.option(fc.constantFrom(...projectIds), { nil: undefined }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom<RetrievalMode>("vector", "hybrid"),
        fc.constantFrom(0, 0.1, 0.3),
        async (terms, projectId, level, expand, topK, mode, vectorThreshold) => {
          const viewer: Viewer = { userId: "reader", admin: false, maxAccessLevel: level };
          const results = await retriever.search(viewer, { q: terms.join(" "), projectId, topK, threshold: 0, expand, mode, vectorThreshold });
          for (const result of results) {
            const doc = byId.get(result.documentId);
            assert.ok(doc, `unknown document ${result.documentId}`);
            assert.ok(doc.accessLevel <= level, `level ${doc.accessLevel} document shown to a level ${level} caller (${mode}, via ${result.via})`);
            if (projectId !== undefined) assert.equal(doc.projectId, projectId, `document of ${doc.projectId} in a ${projectId} search (${mode}, via ${result.via})`);
            if (result.via === "match" && typeof result.vectorScore === "number") {
              vectorMatches++;
              assert.ok(result.vectorScore >= vectorThreshold, `vector score ${result.vectorScore} below ${vectorThreshold}`);
            }
          }
          assert.ok(results.filter((result) => result.via === "match").length <= topK);
          if (expand === 0) assert.ok(results.every((result) => result.via === "match"));
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(vectorMatches > 0, "some runs found vector matches (the property is not vacuous)");
  });
});
