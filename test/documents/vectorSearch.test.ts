/**
 * Vector and hybrid retrieval on both dialects, in cases built to tell them apart, with chunks and queries embedded
 * through a real mock upstream (feature-hashed bag of words with a synonym table): vector search finds by meaning
 * what full text misses, scores are the cosine similarities, the threshold drops what is not similar enough,
 * filters come before top-k, hybrid is the reciprocal rank fusion of the two rankings, expansion follows fused
 * matches, and a failing embedding engine fails ingestion whole and degrades search as documented.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eachDialect } from "../store/eachDialect.js";
import { ingestDocument, type DocumentInput } from "../../src/documents/ingestDocument.js";
import { createRetriever, type Retriever } from "../../src/documents/createRetriever.js";
import { chunkEmbeddingText } from "../../src/documents/chunkEmbeddingText.js";
import type { DocumentEmbedder } from "../../src/documents/documentEmbedder.js";
import type { SearchRequest, SearchResult } from "../../src/documents/searchDocuments.js";
import type { Viewer } from "../../src/store/documents.js";
import { isGatewayError } from "../../src/errors.js";
import { cosine, hashedEmbedding } from "../support/hashedEmbedding.js";
import { admin, documentsConfig } from "./loadCorpus.js";
import { startEmbeddingUpstream, type EmbeddingUpstream } from "./embeddingUpstream.js";

const synonyms = { car: "automobile", vehicle: "automobile", upkeep: "maintenance", servicing: "maintenance" };

const doc = (projectId: string, title: string, content: string, extra: Partial<DocumentInput> = {}): DocumentInput => ({
  projectId,
  type: "note",
  title,
  content,
  format: "text",
  ...extra,
});

const request = (q: string, projectId: string, extra: Partial<SearchRequest> = {}): SearchRequest => ({ q, projectId, topK: 5, threshold: 0, expand: 0, ...extra });

/** What the mock's model makes of a query and a one-chunk text document, compared in JavaScript. */
const expectedSimilarity = (q: string, input: DocumentInput) =>
  cosine(hashedEmbedding(q, { synonyms }), hashedEmbedding(chunkEmbeddingText(input.title, "", input.content), { synonyms }));

const rejects = (code: string) => (error: unknown) => {
  assert.ok(isGatewayError(error), String(error));
  assert.equal(error.code, code, error.message);
  return true;
};

eachDialect("vector and hybrid search", (context) => {
  let upstream: EmbeddingUpstream;
  let embedder: DocumentEmbedder;
  let retriever: Retriever;
  const warnings: object[] = [];
  const file = async (input: DocumentInput, writer: Viewer = admin) =>
    (await ingestDocument({ documents: context.store.documents, config: documentsConfig, embedder }, writer, input)).document.id;

  before(async () => {
    upstream = await startEmbeddingUpstream({ synonyms });
    embedder = upstream.embedderFor("hash");
    retriever = createRetriever({
      documents: context.store.documents,
      embedder,
      logger: { warn: (obj) => warnings.push(obj), debug: () => undefined },
    });
  });
  after(async () => {
    await upstream.close();
  });

  test("vector search finds by meaning what full text misses, scored by cosine similarity; expansion follows it", async () => {
    const automobile = doc("garage", "Automobile maintenance", "Automobile maintenance schedule.");
    const bicycle = doc("garage", "Bicycle repair", "Bicycle chain repair guide.");
    const car = await file(automobile);
    await file(bicycle);
    const tyres = await file(doc("garage", "Tyre pressure", "Check tyre pressure monthly.", { references: [car] }));

    assert.deepEqual(await retriever.search(admin, request("car upkeep", "garage", { mode: "lexical" })), [], "no word of the query is in any document");

    const vector = await retriever.search(admin, request("car upkeep", "garage", { mode: "vector" }));
    assert.deepEqual(vector.map((r) => [r.documentId, r.score, r.lexicalScore]), [[car, 1, null]]);
    const similarity = expectedSimilarity("car upkeep", automobile);
    assert.ok(similarity >= 0.7, `constructed to be similar: ${similarity}`);
    assert.ok(Math.abs((vector[0]?.vectorScore ?? 0) - similarity) < 1e-3, `${vector[0]?.vectorScore} vs ${similarity}`);

    // The default mode with an embedder is hybrid; the linked document comes from the fused match.
    const hybrid = await retriever.retrieve?.(admin, request("car upkeep", "garage", { expand: 1 }));
    assert.equal(hybrid?.mode, "hybrid");
    assert.equal(hybrid.vectorSkipped, undefined);
    assert.deepEqual(
      hybrid.results.map((r) => [r.documentId, r.via, r.score, r.lexicalScore]),
      [
        [car, "match", 1, null],
        [tyres, "cited_by", 0.5, null],
      ],
    );
  });

  test("the similarity threshold drops chunks below it; the configured one applies when the request names none", async () => {
    const panels = doc("solar", "Solar panels", "Solar panels convert sunlight.");
    const wiring = doc("solar", "Inverter wiring", "Solar inverter wiring, battery storage, grid tie, net metering, permits and inspection.");
    const panelsId = await file(panels);
    const wiringId = await file(wiring);
    const q = "solar panels sunlight";
    const high = expectedSimilarity(q, panels);
    const low = expectedSimilarity(q, wiring);
    assert.ok(high >= 0.7 && low > 0.1 && low < 0.5, `constructed similarities ${high}, ${low}`);

    const strict = await retriever.search(admin, request(q, "solar", { mode: "vector" }));
    assert.deepEqual(strict.map((r) => r.documentId), [panelsId], "default vectorThreshold 0.7");
    const loose = await retriever.search(admin, request(q, "solar", { mode: "vector", vectorThreshold: 0.1 }));
    assert.deepEqual(loose.map((r) => r.documentId), [panelsId, wiringId]);
    assert.ok(Math.abs((loose[1]?.vectorScore ?? 0) - low) < 1e-3);
    assert.ok(Math.abs((loose[1]?.score ?? 0) - low / high) < 1e-3, "score is relative to the best match");
    assert.deepEqual(
      (await retriever.search(admin, request(q, "solar", { mode: "vector", vectorThreshold: 0.1, threshold: 0.5 }))).map((r) => r.documentId),
      [panelsId],
      "threshold cuts relative scores as in full-text search",
    );

    const configured = createRetriever({ documents: context.store.documents, embedder, config: { vectorThreshold: 0.1 } });
    assert.equal((await configured.search(admin, request(q, "solar", { mode: "vector" }))).length, 2);
  });

  test("project and access-level filters come before top-k: k visible results even when invisible ones are nearer", async () => {
    for (let i = 0; i < 12; i++) await file(doc("far", "Quantum widget calibration", "Quantum widget calibration."));
    for (let i = 0; i < 12; i++) await file(doc("levels", "Quantum widget calibration", "Quantum widget calibration.", { accessLevel: 2 }));
    const near: string[] = [];
    for (const extra of ["torque", "humidity", "voltage"]) {
      near.push(await file(doc("near", `Quantum widget ${extra}`, `Quantum widget calibration with ${extra} readings and ${extra} logs.`)));
      await file(doc("levels", `Quantum widget ${extra}`, `Quantum widget calibration with ${extra} readings and ${extra} logs.`));
    }
    const reader: Viewer = { userId: "reader", admin: false, maxAccessLevel: 0 };
    for (const mode of ["vector", "hybrid"] as const) {
      const inProject = await retriever.search(admin, request("quantum widget calibration", "near", { mode, topK: 3, vectorThreshold: 0.3 }));
      assert.deepEqual(inProject.map((r) => r.documentId).sort(), [...near].sort(), mode);
      const visible = await retriever.search(reader, request("quantum widget calibration", "levels", { mode, topK: 3, vectorThreshold: 0.3 }));
      assert.equal(visible.length, 3, mode);
      assert.ok(visible.every((r) => r.title !== "Quantum widget calibration"), `${mode}: only level-0 documents`);
    }
  });

  test("hybrid ranks by reciprocal rank fusion of the full-text and vector rankings", async () => {
    const inputs = [
      doc("fusion", "Orchard irrigation pumps", "Orchard irrigation pumps and drip lines for the orchard."),
      doc("fusion", "Irrigation schedule", "Irrigation schedule for vineyards, wells, reservoirs, canals and pumps, irrigation by the hour."),
      doc("fusion", "Orchard pumps", "Orchard pumps."),
      doc("fusion", "Drip lines", "Drip lines for the vineyard and the orchard irrigation."),
      doc("fusion", "Beekeeping", "Beekeeping hive inspection."),
    ];
    for (const input of inputs) await file(input);
    const q = "orchard irrigation pumps";
    const all = { topK: 50, vectorThreshold: 0 };
    const lexical = await retriever.search(admin, request(q, "fusion", { ...all, mode: "lexical" }));
    const vector = await retriever.search(admin, request(q, "fusion", { ...all, mode: "vector" }));
    const ids = (results: SearchResult[]) => results.map((r) => r.chunkId ?? -1);
    assert.notDeepEqual(ids(lexical), ids(vector), "the two rankings differ, so fusion has something to do");

    for (const rrfK of [60, 1]) {
      const fused = createRetriever({ documents: context.store.documents, embedder, config: { rrfK } });
      const hybrid = await fused.search(admin, request(q, "fusion", { ...all, mode: "hybrid" }));
      // By hand: 1 / (k + rank) from each ranking that holds the chunk, summed, divided by the best sum.
      const sums = new Map<number, number>();
      for (const ranking of [ids(lexical), ids(vector)]) ranking.forEach((id, i) => sums.set(id, (sums.get(id) ?? 0) + 1 / (rrfK + i + 1)));
      const expected = [...sums].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const best = expected[0]?.[1] ?? 1;
      assert.deepEqual(ids(hybrid), expected.map(([id]) => id), `order at k=${rrfK}`);
      hybrid.forEach((result, i) => assert.ok(Math.abs(result.score - (expected[i]?.[1] ?? 0) / best) < 1e-3, `score of ${result.chunkId} at k=${rrfK}`));
      for (const result of hybrid) {
        assert.equal(result.lexicalScore, lexical.find((r) => r.chunkId === result.chunkId)?.lexicalScore ?? null);
        assert.equal(result.vectorScore, vector.find((r) => r.chunkId === result.chunkId)?.vectorScore ?? null);
      }
    }
  });

  test("an embedding engine failing at ingestion fails it with the engine's error and writes nothing", async () => {
    const kept = await file(doc("failing", "Kept", "The first version stays."));
    upstream.fail(500);
    try {
      await assert.rejects(file(doc("failing", "Lost", "Never filed.")), rejects("upstream_error"));
      await assert.rejects(
        ingestDocument({ documents: context.store.documents, config: documentsConfig, embedder }, admin, doc("failing", "Replaced", "Never written."), { replaceId: kept }),
        rejects("upstream_error"),
      );
    } finally {
      upstream.serveVectors();
    }
    const page = await context.store.documents.list(admin, "failing", { limit: 10 });
    assert.deepEqual(page.items.map((d) => d.title), ["Kept"]);
    assert.equal((await context.store.documents.get(kept, admin))?.content, "The first version stays.");
  });

  test("an unusable answer (a zero vector, vectors of two sizes) is upstream_error and writes nothing", async () => {
    for (const embedding of [() => [0, 0, 0, 0], (_input: string | number[], index: number) => (index === 0 ? [1, 0] : [1, 0, 0])]) {
      upstream.mock.script = () => ({ embedding });
      try {
        await assert.rejects(file(doc("unusable", "Two chunks", "# One\n\nFirst part.\n\n# Two\n\nSecond part.", { format: "markdown" })), (error: unknown) => {
          assert.ok(isGatewayError(error));
          assert.equal(error.code, "upstream_error");
          assert.match(error.message, /unusable answer/);
          return true;
        });
      } finally {
        upstream.serveVectors();
      }
    }
    assert.deepEqual((await context.store.documents.list(admin, "unusable", { limit: 10 })).items, []);
  });

  test("an embedding engine failing at query time: hybrid answers from full text and says so; vector fails", async () => {
    await file(doc("outage", "Lighthouse keeping", "Lighthouse lamp maintenance and fog signals."));
    const lexical = await retriever.search(admin, request("lighthouse lamp", "outage", { mode: "lexical" }));
    assert.equal(lexical.length, 1);
    upstream.fail(500);
    warnings.length = 0;
    try {
      const degraded = await retriever.retrieve?.(admin, request("lighthouse lamp", "outage"));
      assert.equal(degraded?.mode, "lexical");
      assert.equal(degraded.vectorSkipped?.code, "upstream_error");
      assert.deepEqual(degraded.results, lexical);
      assert.equal(warnings.length, 1, "one warning per degraded search");
      await assert.rejects(retriever.search(admin, request("lighthouse lamp", "outage", { mode: "vector" })), rejects("upstream_error"));
    } finally {
      upstream.serveVectors();
    }
  });

  test("without an embedder: lexical by default, vector and hybrid refused with invalid_request on mode", async () => {
    const lexicalOnly = createRetriever({ documents: context.store.documents });
    assert.equal((await lexicalOnly.retrieve?.(admin, request("lighthouse", "outage")))?.mode, "lexical");
    for (const mode of ["vector", "hybrid"] as const) {
      await assert.rejects(lexicalOnly.search(admin, request("lighthouse", "outage", { mode })), (error: unknown) => {
        assert.ok(isGatewayError(error));
        assert.equal(error.code, "invalid_request");
        assert.equal(error.param, "mode");
        return true;
      });
    }
  });
});
