/**
 * The document store on both dialects: a known reference chain expands correctly at depth 1 and 2 both ways,
 * replacing re-indexes atomically, deleting removes chunks, index entries and edges, and references are checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachDialect } from "../store/eachDialect.js";
import { ingestDocument, type DocumentInput } from "../../src/documents/ingestDocument.js";
import { searchDocuments } from "../../src/documents/searchDocuments.js";
import type { DocumentStore, Viewer } from "../../src/store/documents.js";
import { isGatewayError } from "../../src/errors.js";
import { admin, documentsConfig } from "./loadCorpus.js";

const owner: Viewer = { userId: "owner", admin: false, maxAccessLevel: 2 };
const stranger: Viewer = { userId: "stranger", admin: false, maxAccessLevel: 2 };
const low: Viewer = { userId: "low", admin: false, maxAccessLevel: 0 };

const doc = (projectId: string, title: string, content: string, extra: Partial<DocumentInput> = {}): DocumentInput => ({
  projectId,
  type: "note",
  title,
  content,
  format: "markdown",
  ...extra,
});

async function file(documents: DocumentStore, writer: Viewer, input: DocumentInput): Promise<string> {
  return (await ingestDocument({ documents, config: documentsConfig }, writer, input)).document.id;
}

const rejects = (code: string, param?: string) => (error: unknown) => {
  assert.ok(isGatewayError(error), String(error));
  assert.equal(error.code, code);
  if (param !== undefined) assert.equal(error.param, param);
  return true;
};

eachDialect("document store", (context) => {
  test("a chain A → B → C expands to referenced and citing documents at depth 1 and 2", async () => {
    const documents = context.store.documents;
    const c = await file(documents, owner, doc("chain", "Charlie", "The charlie note explains quokka husbandry in detail."));
    const b = await file(documents, owner, doc("chain", "Bravo", "The bravo note covers wombat burrows.", { references: [c] }));
    const a = await file(documents, owner, doc("chain", "Alpha", "The alpha note is about platypus venom.", { references: [b] }));
    const search = (q: string, expand: number) => searchDocuments(documents, owner, { q, projectId: "chain", topK: 1, threshold: 0, expand });
    const shape = (results: Awaited<ReturnType<typeof search>>) => results.map((r) => [r.documentId, r.via, r.depth]);

    assert.deepEqual(shape(await search("platypus", 0)), [[a, "match", 0]]);
    assert.deepEqual(shape(await search("platypus", 1)), [[a, "match", 0], [b, "references", 1]]);
    assert.deepEqual(shape(await search("platypus", 2)), [[a, "match", 0], [b, "references", 1], [c, "references", 2]]);
    assert.deepEqual(shape(await search("quokka", 1)), [[c, "match", 0], [b, "cited_by", 1]]);
    assert.deepEqual(shape(await search("quokka", 2)), [[c, "match", 0], [b, "cited_by", 1], [a, "cited_by", 2]]);
    const middle = await search("wombat", 2);
    assert.deepEqual(shape(middle).slice(1).sort(), [[a, "cited_by", 1], [c, "references", 1]].sort());
    // Linked documents contribute their excerpt, scored below the match they hang off.
    const linked = middle.find((r) => r.documentId === c);
    assert.equal(linked?.text, "The charlie note explains quokka husbandry in detail.");
    assert.equal(linked?.score, 0.5);

    const detail = await documents.get(b, stranger);
    assert.deepEqual(detail?.references.map((r) => r.id), [c]);
    assert.deepEqual(detail?.citedBy.map((r) => r.id), [a]);
  });

  test("every full-text match scores above 0, even one only on a term every document holds; the best scores 1", async () => {
    const documents = context.store.documents;
    await file(documents, owner, doc("common", "Gnus", "Gnus migrate across the plains."));
    await file(documents, owner, doc("common", "Gnu diet", "Gnus eat grass and drink at the river."));
    await file(documents, owner, doc("common", "Gnu calves", "Gnus calve in the rainy season."));
    const results = await searchDocuments(documents, owner, { q: "what do gnus eat", projectId: "common", topK: 5, threshold: 0, expand: 0 });
    assert.equal(results.length, 3, "each holds a query term");
    assert.equal(results[0]?.score, 1);
    for (const result of results) assert.ok(result.score > 0 && result.score <= 1, `${result.title}: ${result.score}`);
  });

  test("expansion does not walk through a document the caller may not see", async () => {
    const documents = context.store.documents;
    const end = await file(documents, owner, doc("hidden", "End", "Ocelot tracking notes."));
    const secret = await file(documents, owner, doc("hidden", "Secret", "Classified lemur migration.", { accessLevel: 2, references: [end] }));
    const start = await file(documents, owner, doc("hidden", "Start", "Capybara grazing survey.", { references: [secret] }));
    const forLow = await searchDocuments(documents, low, { q: "capybara", projectId: "hidden", topK: 5, threshold: 0, expand: 3 });
    assert.deepEqual(forLow.map((r) => r.documentId), [start]);
    const forOwner = await searchDocuments(documents, owner, { q: "capybara", projectId: "hidden", topK: 5, threshold: 0, expand: 3 });
    assert.deepEqual(forOwner.map((r) => r.documentId), [start, secret, end]);
    assert.equal(await documents.get(secret, low), undefined);
    assert.deepEqual((await documents.get(start, low))?.references, []);
  });

  test("replacing re-indexes: old words stop matching, new ones match, references move", async () => {
    const documents = context.store.documents;
    const target = await file(documents, owner, doc("swap", "Target", "Narwhal tusks."));
    const id = await file(documents, owner, doc("swap", "Before", "Axolotl regeneration.\n\n## Later\n\nMore axolotl facts.", { references: [target] }));
    const find = (q: string) => searchDocuments(documents, owner, { q, projectId: "swap", topK: 5, threshold: 0, expand: 0 });
    assert.deepEqual((await find("axolotl")).map((r) => r.documentId), [id, id]);
    const replaced = await ingestDocument({ documents, config: documentsConfig }, owner, doc("swap", "After", "Pangolin scales."), { replaceId: id });
    assert.equal(replaced.chunkCount, 1);
    assert.equal(replaced.document.title, "After");
    assert.deepEqual(await find("axolotl"), []);
    assert.deepEqual((await find("pangolin")).map((r) => [r.documentId, r.title]), [[id, "After"]]);
    assert.deepEqual((await documents.get(target, owner))?.citedBy, []);
    assert.equal((await documents.get(id, owner))?.chunkCount, 1);
  });

  test("a failed replacement changes nothing (one transaction)", async () => {
    const documents = context.store.documents;
    const id = await file(documents, owner, doc("atomic", "Kept", "Tapir snorkels."));
    await assert.rejects(
      ingestDocument({ documents, config: documentsConfig }, owner, doc("atomic", "Lost", "Okapi stripes.", { references: ["no-such-document"] }), { replaceId: id }),
      rejects("invalid_request", "references"),
    );
    const find = (q: string) => searchDocuments(documents, owner, { q, projectId: "atomic", topK: 5, threshold: 0, expand: 0 });
    assert.deepEqual((await find("tapir")).map((r) => r.title), ["Kept"]);
    assert.deepEqual(await find("okapi"), []);
  });

  test("only the owner or an admin replaces or deletes; deleting removes chunks, index entries and edges", async () => {
    const documents = context.store.documents;
    const id = await file(documents, owner, doc("del", "Gone", "Quetzal plumage."));
    const citing = await file(documents, owner, doc("del", "Citing", "Toucan beaks.", { references: [id] }));
    await assert.rejects(ingestDocument({ documents, config: documentsConfig }, stranger, doc("del", "Mine", "x y z"), { replaceId: id }), rejects("not_found"));
    assert.equal(await documents.remove(id, stranger), false);
    assert.equal(await documents.remove(id, owner), true);
    assert.equal(await documents.remove(id, owner), false);
    assert.deepEqual(await searchDocuments(documents, admin, { q: "quetzal", topK: 5, threshold: 0, expand: 0 }), []);
    assert.deepEqual((await documents.get(citing, owner))?.references, []);
    assert.equal(await documents.remove(citing, admin), true);
  });

  test("references must exist and be visible to the writer; levels above the writer's are refused", async () => {
    const documents = context.store.documents;
    const high = await file(documents, owner, doc("refs", "High", "Secret kakapo.", { accessLevel: 2 }));
    await assert.rejects(file(documents, low, doc("refs", "Low", "Kiwi.", { references: [high] })), rejects("invalid_request", "references"));
    await assert.rejects(file(documents, low, doc("refs", "Low", "Kiwi.", { references: ["missing"] })), rejects("invalid_request", "references"));
    await assert.rejects(file(documents, low, doc("refs", "Low", "Kiwi.", { accessLevel: 1 })), rejects("invalid_request", "accessLevel"));
    await assert.rejects(file(documents, low, doc("refs", "Low", "   ")), rejects("invalid_request", "content"));
    await assert.rejects(file(documents, low, doc("refs", "Low", "x".repeat(documentsConfig.maxBytes + 1))), rejects("payload_too_large"));
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(ingestDocument({ documents, config: documentsConfig }, low, doc("refs", "Low", "Kiwi."), { signal: abort.signal }), { name: "AbortError" });
  });

  test("listing pages through a project's visible documents, newest first", async () => {
    const documents = context.store.documents;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(await file(documents, owner, doc("list", `Doc ${i}`, `Entry ${i} about emus.`, { accessLevel: i % 2 })));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await documents.list(low, "list", { limit: 2, cursor });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(seen, [made[4], made[2], made[0]]);
    assert.equal((await documents.list(owner, "list", { limit: 10 })).items.length, 5);
  });
});
