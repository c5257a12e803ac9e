/**
 * Chunk vectors over their lifetime, on both dialects: replacing a document replaces its vectors and deleting it
 * removes them (the rows themselves, counted with a connection of their own); vectors of another embedding model
 * are never compared with a query; re-embedding brings every chunk to the current model, and a run cut short by
 * the engine keeps what it wrote for the next run to finish.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eachDialect } from "../store/eachDialect.js";
import { openStore, type Store } from "../../src/store/openStore.js";
import { ingestDocument, type DocumentInput } from "../../src/documents/ingestDocument.js";
import { createRetriever } from "../../src/documents/createRetriever.js";
import { reembedChunks } from "../../src/documents/reembedChunks.js";
import type { DocumentEmbedder } from "../../src/documents/documentEmbedder.js";
import type { SearchRequest } from "../../src/documents/searchDocuments.js";
import { isGatewayError } from "../../src/errors.js";
import { admin, documentsConfig } from "./loadCorpus.js";
import { startEmbeddingUpstream, type EmbeddingUpstream } from "./embeddingUpstream.js";
import { countEmbeddingRows } from "./countEmbeddingRows.js";

const doc = (title: string, content: string): DocumentInput => ({ projectId: "life", type: "note", title, content, format: "markdown" });
const request = (q: string, mode: SearchRequest["mode"]): SearchRequest => ({ q, projectId: "life", topK: 10, threshold: 0, expand: 0, mode, vectorThreshold: 0.5 });
// Several chunks per document, so vectors are per chunk and not per document.
const longText = (topic: string) =>
  Array.from({ length: 4 }, (_, i) => `## ${topic} part ${i}\n\n${`The ${topic} ${["lantern", "harbour", "tide", "beacon"][i]} is described here. `.repeat(12)}`).join("\n\n");
const smallChunks = { ...documentsConfig, chunkTokens: 64, overlapTokens: 8 };

eachDialect("chunk vectors", (context) => {
  let upstream: EmbeddingUpstream;
  let current: DocumentEmbedder;
  let next: DocumentEmbedder;
  let url: string;
  let store: Store;
  const file = (input: DocumentInput, embedder: DocumentEmbedder | undefined, replaceId?: string) =>
    ingestDocument({ documents: store.documents, config: smallChunks, embedder }, admin, input, { replaceId });
  const chunkCount = async () => (await store.documents.embeddingCoverage("any")).chunks;

  before(async () => {
    upstream = await startEmbeddingUpstream();
    current = upstream.embedderFor("hash");
    next = upstream.embedderFor("hash-v2");
    url = await context.freshUrl();
    store = await openStore(url);
  });
  after(async () => {
    await store.close();
    await upstream.close();
  });

  test("replacing a document replaces its vectors; deleting it removes them", async () => {
    const first = await file(doc("Lighthouse", longText("lighthouse")), current);
    assert.ok(first.chunkCount > 1, `${first.chunkCount} chunks`);
    const second = await file(doc("Canal", longText("canal")), current);
    assert.equal(await countEmbeddingRows(url), first.chunkCount + second.chunkCount);

    const replaced = await file(doc("Lighthouse", "A short lighthouse note now."), current, first.document.id);
    assert.equal(replaced.chunkCount, 1);
    assert.equal(await countEmbeddingRows(url), 1 + second.chunkCount);
    assert.deepEqual(await store.documents.embeddingCoverage(current.model), { chunks: 1 + second.chunkCount, current: 1 + second.chunkCount, otherModel: 0, missing: 0 });

    assert.equal(await store.documents.remove(second.document.id, admin), true);
    assert.equal(await countEmbeddingRows(url), 1);
    assert.equal(await store.documents.remove(first.document.id, admin), true);
    assert.equal(await countEmbeddingRows(url), 0);
  });

  test("vectors of another model are not compared; re-embedding brings every chunk to the current model", async () => {
    await file(doc("Lantern care", "Lantern wick trimming and lantern glass cleaning."), current);
    await file(doc("Harbour tides", "Harbour tide tables and harbour mooring lines."), current);
    // Filed with no embedding model configured at all.
    await file(doc("Beacon lights", "Beacon light colours and beacon flash patterns."), undefined);
    const chunks = await chunkCount();
    assert.deepEqual(await store.documents.embeddingCoverage(next.model), { chunks, current: 0, otherModel: chunks - 1, missing: 1 });

    // hash-v2 answers the very vectors hash does: only the model name keeps them apart.
    const before = createRetriever({ documents: store.documents, embedder: next });
    assert.deepEqual(await before.search(admin, request("lantern wick trimming", "vector")), []);
    const hybrid = await before.search(admin, request("lantern wick trimming", "hybrid"));
    assert.equal(hybrid[0]?.title, "Lantern care", "full text still finds it");
    assert.equal(hybrid[0]?.vectorScore, null);

    assert.deepEqual(await reembedChunks({ documents: store.documents, embedder: next }, new AbortController().signal), { model: next.model, embedded: chunks });
    assert.deepEqual(await store.documents.embeddingCoverage(next.model), { chunks, current: chunks, otherModel: 0, missing: 0 });
    const found = await before.search(admin, request("beacon flash patterns", "vector"));
    assert.equal(found[0]?.title, "Beacon lights", "the chunk filed without a vector has one now");
    assert.deepEqual(await createRetriever({ documents: store.documents, embedder: current }).search(admin, request("lantern wick trimming", "vector")), [], "the old model's queries find nothing now");
    assert.deepEqual(await reembedChunks({ documents: store.documents, embedder: next }, new AbortController().signal), { model: next.model, embedded: 0 }, "nothing left to do");
  });

  test("a re-embedding run cut short by the engine keeps what it wrote; the next run finishes", async () => {
    const chunks = await chunkCount();
    let calls = 0;
    upstream.mock.script = () => (++calls === 1 ? {} : { status: 500, errorMessage: "gone" });
    try {
      await assert.rejects(reembedChunks({ documents: store.documents, embedder: current, pageSize: 1 }, new AbortController().signal), (error: unknown) => {
        assert.ok(isGatewayError(error));
        assert.equal(error.code, "upstream_error");
        return true;
      });
    } finally {
      upstream.serveVectors();
    }
    // The mock's default vectors are not the hashed ones, but they are what the engine answered for that page.
    assert.deepEqual(await store.documents.embeddingCoverage(current.model), { chunks, current: 1, otherModel: chunks - 1, missing: 0 });
    const rest = await reembedChunks({ documents: store.documents, embedder: current, pageSize: 1 }, new AbortController().signal);
    assert.equal(rest.embedded, chunks - 1);
    assert.deepEqual(await store.documents.embeddingCoverage(current.model), { chunks, current: chunks, otherModel: 0, missing: 0 });
  });

  test("an aborted re-embedding stops before the next page", async () => {
    await assert.rejects(reembedChunks({ documents: store.documents, embedder: next }, AbortSignal.abort()), { name: "AbortError" });
  });
});
