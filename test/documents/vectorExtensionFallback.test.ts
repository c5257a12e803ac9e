/**
 * SQLite where the vector extension cannot load: the store opens, warns once, and documents stay searchable by
 * full text; a retriever given an embedder anyway still answers lexically by default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/openStore.js";
import { ingestDocument } from "../../src/documents/ingestDocument.js";
import { createRetriever } from "../../src/documents/createRetriever.js";
import { admin, documentsConfig } from "./loadCorpus.js";

test("without sqlite-vec: one warning, no vector search, full-text search as before", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-novec-"));
  const warnings: Array<{ obj: object; msg?: string | undefined }> = [];
  const logger = { info: () => undefined, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
  const store = await openStore(`sqlite:${join(dir, "store.db")}`, {
    logger,
    loadVectorExtension: () => {
      throw new Error("sqlite-vec has no build for this platform");
    },
  });
  try {
    assert.equal(store.documents.vectorSearch, false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? "", /vector search is off/);
    await assert.rejects(
      store.documents.searchVectors({ model: "m", vector: new Float32Array([1]), minSimilarity: 0 }, {}, 5),
      (error: Error & { code?: string }) => error.code === "invalid_request",
    );
    await ingestDocument({ documents: store.documents, config: documentsConfig }, admin, {
      projectId: "p",
      type: "note",
      title: "Windmills",
      content: "Windmill sails and millstones.",
      format: "text",
    });
    const retrieval = await createRetriever({ documents: store.documents }).retrieve?.(admin, { q: "windmill", projectId: "p", topK: 5, threshold: 0, expand: 0 });
    assert.equal(retrieval?.mode, "lexical");
    assert.equal(retrieval.results[0]?.title, "Windmills");
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("with sqlite-vec (installed here) vector search is on and nothing is logged at warn", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-vec-"));
  const warnings: object[] = [];
  const store = await openStore(`sqlite:${join(dir, "store.db")}`, { logger: { info: () => undefined, warn: (obj: object) => warnings.push(obj) } });
  try {
    assert.equal(store.documents.vectorSearch, true);
    assert.deepEqual(warnings, []);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
