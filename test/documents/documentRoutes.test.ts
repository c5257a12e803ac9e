/**
 * The documents and search API over real HTTP, with API keys of different access levels and JWTs carrying a
 * level claim: JSON and multipart filing, reading with references, re-indexing on update, ownership and
 * visibility (404 for what the caller may not touch or see), listing, search filters, and the 4xx codes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { ADMIN_KEY, call, createKey, startAuthGateway } from "../auth/authGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";

const SECRET = "documents-test-secret-0123456789abcdef";
const MAX_BYTES = 4096;

interface Created {
  id: string;
  chunkCount: number;
  accessLevel: number;
  ownerId: string;
}
interface Link {
  id: string;
  title: string;
  excerpt: string;
}
interface Detail extends Created {
  title: string;
  content: string;
  references: Link[];
  citedBy: Link[];
}
interface Hit {
  documentId: string;
  title: string;
  chunkId: number | null;
  text: string;
  score: number;
  via: string;
}

let mock: MockUpstream;
let gateway: TestGateway;
let alice: string;
let bob: string;

const json = async <T>(response: Response, status: number): Promise<T> => {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return (text === "" ? undefined : JSON.parse(text)) as T;
};
const errorOf = async (response: Response, status: number, code: string, param?: string) => {
  const body = await json<ErrorBody>(response, status);
  assert.equal(body.error.code, code, body.error.message);
  if (param !== undefined) assert.equal(body.error.param, param);
};
const post = (token: string, body: unknown) => call(gateway, "POST", "/api/v2/documents", { token, body });
const search = async (token: string, query: string) => (await json<{ data: Hit[] }>(await call(gateway, "GET", `/api/v2/search?${query}`, { token }), 200)).data;
const upload = (token: string, form: FormData, method = "POST", path = "/api/v2/documents") =>
  fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: form });

function form(fields: Record<string, string>, file?: { content: string; type: string; name: string }): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  if (file) data.append("file", new Blob([file.content], { type: file.type }), file.name);
  return data;
}

const jwt = (claims: Record<string, unknown>) =>
  new SignJWT({ sub: "jwt-reader", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));

describe("documents API", () => {
  before(async () => {
    mock = await startMockUpstream();
    gateway = await startAuthGateway(mock, {
      auth: { mode: "keys+jwt", jwt: { secret: SECRET, accessLevelClaim: "clearance" } },
      documents: { maxBytes: MAX_BYTES, chunkTokens: 64, overlapTokens: 8 },
    });
    alice = (await createKey(gateway, { name: "alice", userId: "alice", accessLevel: 2 })).key;
    bob = (await createKey(gateway, { name: "bob", userId: "bob" })).key;
  });
  after(async () => {
    await gateway.stop();
    await mock.close();
  });

  test("JSON filing, reading with references both ways, and visibility by access level", async () => {
    const base = await json<Created>(await post(alice, { projectId: "zoo", type: "note", title: "Meerkat base", content: "Meerkats stand sentry." }), 201);
    assert.equal(base.chunkCount, 1);
    assert.equal(base.accessLevel, 0);
    const secret = await json<Created>(
      await post(alice, { projectId: "zoo", type: "note", title: "Meerkat secret", content: "# Diet\n\nMeerkats eat scorpions.", accessLevel: 2, references: [base.id] }),
      201,
    );
    const detail = await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: alice }), 200);
    assert.equal(detail.ownerId, "alice");
    assert.equal(detail.content, "# Diet\n\nMeerkats eat scorpions.");
    assert.deepEqual(detail.references.map((r) => r.id), [base.id]);
    const cited = await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${base.id}`, { token: alice }), 200);
    assert.deepEqual(cited.citedBy.map((r) => r.id), [secret.id]);
    // Bob (level 0) sees the base document but neither the secret one nor that it cites the base.
    await errorOf(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: bob }), 404, "not_found");
    assert.deepEqual((await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${base.id}`, { token: bob }), 200)).citedBy, []);
    assert.deepEqual((await search(bob, "q=scorpions&projectId=zoo")).length, 0);
    const found = await search(alice, "q=scorpions&projectId=zoo");
    assert.deepEqual(found.map((hit) => [hit.documentId, hit.via, hit.score]), [[secret.id, "match", 1]]);
    const expanded = await search(alice, "q=scorpions&projectId=zoo&expand=1");
    assert.deepEqual(expanded.map((hit) => [hit.documentId, hit.via, hit.chunkId]), [[secret.id, "match", found[0]?.chunkId], [base.id, "references", null]]);
    // A JWT carries its level in the configured claim; without it the caller reads level 0 only.
    await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: await jwt({ clearance: 2 }) }), 200);
    await errorOf(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: await jwt({}) }), 404, "not_found");
    await errorOf(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: await jwt({ clearance: "high" }) }), 401, "unauthorized");
    // Admins read every level.
    await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${secret.id}`, { token: ADMIN_KEY }), 200);
  });

  test("?async=true queues the indexing as a background job: 202 at once, then the writer polls its status", async () => {
    const queued = await json<{ jobId: string; status: string }>(
      await call(gateway, "POST", "/api/v2/documents?async=true", { token: alice, body: { projectId: "bulk", type: "note", title: "Okapi", content: "# Okapi\n\nOkapis have striped legs." } }),
      202,
    );
    assert.equal(queued.status, "queued");
    const pollUntilDone = async (jobId: string, token: string) => {
      for (let i = 0; i < 200; i++) {
        const status = await json<{ status: string; documentId?: string; chunkCount?: number; error?: { code: string; param?: string } }>(
          await call(gateway, "GET", `/api/v2/documents/jobs/${jobId}`, { token }),
          200,
        );
        if (status.status === "completed" || status.status === "failed") return status;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`job ${jobId} did not finish`);
    };
    const done = await pollUntilDone(queued.jobId, alice);
    assert.equal(done.status, "completed");
    assert.equal(done.chunkCount, 1);
    const detail = await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${done.documentId}`, { token: alice }), 200);
    assert.equal(detail.title, "Okapi");
    assert.deepEqual((await search(alice, "q=striped&projectId=bulk")).map((hit) => hit.documentId), [done.documentId]);
    // Only the writer sees the job.
    await errorOf(await call(gateway, "GET", `/api/v2/documents/jobs/${queued.jobId}`, { token: bob }), 404, "not_found");
    await errorOf(await call(gateway, "GET", "/api/v2/documents/jobs/no-such-job", { token: alice }), 404, "not_found");

    // A document refused for the writer's mistake fails with the code it would have had in the request, unretried.
    const bad = await json<{ jobId: string }>(
      await call(gateway, "POST", "/api/v2/documents?async=true", { token: alice, body: { projectId: "bulk", type: "note", title: "Dangling", content: "Text.", references: ["missing-document"] } }),
      202,
    );
    const failed = await pollUntilDone(bad.jobId, alice);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error?.code, "invalid_request");
    assert.equal(failed.error?.param, "references");
    // Too large is refused at once, and an unknown value of async is a 400.
    await errorOf(
      await call(gateway, "POST", "/api/v2/documents?async=true", { token: alice, body: { projectId: "bulk", type: "note", title: "Huge", content: "x".repeat(MAX_BYTES + 1) } }),
      413,
      "payload_too_large",
    );
    await errorOf(await call(gateway, "POST", "/api/v2/documents?async=yes", { token: alice, body: { projectId: "bulk", type: "note", title: "T", content: "Text." } }), 400, "invalid_request");
  });

  test("multipart filing: markdown and HTML files with fields; the HTML's scripts are not indexed", async () => {
    const md = await json<Created>(
      await upload(alice, form({ projectId: "uploads", type: "guide", title: "Lynx guide", accessLevel: "1" }, { content: "# Lynx\n\nLynx have tufted ears.\n\n## Habitat\n\nBoreal forest.", type: "text/markdown", name: "lynx.md" })),
      201,
    );
    assert.equal(md.accessLevel, 1);
    const html = await json<Created>(
      await upload(
        alice,
        form(
          { projectId: "uploads", type: "guide", title: "Ibex page", references: JSON.stringify([md.id]) },
          { content: "<html><head><title>x</title><script>var hidden = 'zebrafinch';</script></head><body><h1>Ibex</h1><p>Ibex climb dams &amp; cliffs.</p></body></html>", type: "text/html", name: "ibex.html" },
        ),
      ),
      201,
    );
    const detail = await json<Detail>(await call(gateway, "GET", `/api/v2/documents/${html.id}`, { token: alice }), 200);
    assert.deepEqual(detail.references.map((r) => r.id), [md.id]);
    assert.deepEqual((await search(alice, "q=cliffs&projectId=uploads")).map((hit) => hit.text), ["Ibex climb dams & cliffs."]);
    assert.deepEqual(await search(alice, "q=zebrafinch"), []);
    assert.deepEqual((await search(alice, "q=boreal&projectId=uploads")).map((hit) => hit.documentId), [md.id]);

    await errorOf(await upload(alice, form({ projectId: "uploads", type: "guide", title: "No file" })), 400, "invalid_request", "file");
    await errorOf(await upload(alice, form({ type: "guide", title: "No project" }, { content: "x", type: "text/plain", name: "a.txt" })), 400, "invalid_request", "projectId");
    await errorOf(await upload(alice, form({ projectId: "p", type: "t", title: "Image" }, { content: "GIF89a", type: "image/gif", name: "a.gif" })), 415, "invalid_request", "file");
    await errorOf(await upload(alice, form({ projectId: "p", type: "t", title: "Big" }, { content: "x ".repeat(MAX_BYTES), type: "text/plain", name: "big.txt" })), 413, "payload_too_large");
    await errorOf(await upload(alice, form({ projectId: "p", type: "t", title: "Level", accessLevel: "high" }, { content: "x", type: "text/plain", name: "a.txt" })), 400, "invalid_request", "accessLevel");
    await errorOf(await upload(alice, form({ projectId: "p", type: "t", title: "Extra", colour: "red" }, { content: "x", type: "text/plain", name: "a.txt" })), 400, "invalid_request", "colour");
  });

  test("update re-indexes; only the owner may update or delete, others get 404", async () => {
    const doc = await json<Created>(await post(bob, { projectId: "edit", type: "note", title: "Walrus", content: "Walrus tusks." }), 201);
    const replacement = { projectId: "edit", type: "note", title: "Beluga", content: "Beluga whales sing.\n\nBeluga are white." };
    await errorOf(await call(gateway, "PUT", `/api/v2/documents/${doc.id}`, { token: alice, body: replacement }), 404, "not_found");
    await errorOf(await call(gateway, "DELETE", `/api/v2/documents/${doc.id}`, { token: alice }), 404, "not_found");
    const updated = await json<Created & { title: string }>(await call(gateway, "PUT", `/api/v2/documents/${doc.id}`, { token: bob, body: replacement }), 200);
    assert.equal(updated.title, "Beluga");
    assert.deepEqual(await search(bob, "q=walrus&projectId=edit"), []);
    assert.deepEqual((await search(bob, "q=beluga&projectId=edit")).map((hit) => hit.documentId), [doc.id]);
    // Multipart works for updates too.
    await json<Created>(await upload(bob, form({ projectId: "edit", type: "note", title: "Orca" }, { content: "Orca hunt seals.", type: "text/plain", name: "o.txt" }), "PUT", `/api/v2/documents/${doc.id}`), 200);
    assert.deepEqual((await search(bob, "q=orca&projectId=edit")).map((hit) => hit.title), ["Orca"]);
    assert.equal((await json<unknown>(await call(gateway, "DELETE", `/api/v2/documents/${doc.id}`, { token: bob }), 204)), undefined);
    await errorOf(await call(gateway, "GET", `/api/v2/documents/${doc.id}`, { token: bob }), 404, "not_found");
    await errorOf(await call(gateway, "DELETE", `/api/v2/documents/${doc.id}`, { token: bob }), 404, "not_found");
    assert.deepEqual(await search(bob, "q=orca&projectId=edit"), []);
  });

  test("listing pages through a project's visible documents", async () => {
    for (let i = 0; i < 3; i++) await json<Created>(await post(alice, { projectId: "listing", type: "note", title: `L${i}`, content: `Entry ${i}`, accessLevel: i }), 201);
    const first = await json<{ data: Created[]; nextCursor: string | null }>(await call(gateway, "GET", "/api/v2/documents?projectId=listing&limit=2", { token: alice }), 200);
    assert.equal(first.data.length, 2);
    assert.ok(first.nextCursor);
    const second = await json<{ data: Created[]; nextCursor: string | null }>(
      await call(gateway, "GET", `/api/v2/documents?projectId=listing&limit=2&cursor=${first.nextCursor}`, { token: alice }),
      200,
    );
    assert.equal(second.data.length, 1);
    assert.equal(second.nextCursor, null);
    const forBob = await json<{ data: Array<{ title: string }> }>(await call(gateway, "GET", "/api/v2/documents?projectId=listing", { token: bob }), 200);
    assert.deepEqual(forBob.data.map((d) => d.title), ["L0"]);
    await errorOf(await call(gateway, "GET", "/api/v2/documents", { token: alice }), 400, "invalid_request", "projectId");
    await errorOf(await call(gateway, "GET", "/api/v2/documents?projectId=listing&cursor=bogus", { token: alice }), 400, "invalid_request", "cursor");
  });

  test("bad requests get stable 4xx codes", async () => {
    const valid = { projectId: "bad", type: "note", title: "T", content: "Text." };
    await errorOf(await post(alice, { ...valid, references: ["no-such-document"] }), 400, "invalid_request", "references");
    await errorOf(await post(bob, { ...valid, accessLevel: 1 }), 400, "invalid_request", "accessLevel");
    await errorOf(await post(alice, { ...valid, colour: "red" }), 400, "invalid_request");
    await errorOf(await post(alice, { ...valid, format: "pdf" }), 400, "invalid_request", "format");
    await errorOf(await post(alice, { ...valid, content: "y".repeat(MAX_BYTES + 1) }), 413, "payload_too_large");
    await errorOf(await post(alice, { ...valid, content: "   " }), 400, "invalid_request", "content");
    await errorOf(await call(gateway, "POST", "/api/v2/documents", { body: valid }), 401, "unauthorized");
    await errorOf(await call(gateway, "GET", "/api/v2/search?q=x", {}), 401, "unauthorized");
    await errorOf(await call(gateway, "GET", "/api/v2/search", { token: alice }), 400, "invalid_request", "q");
    await errorOf(await call(gateway, "GET", "/api/v2/search?q=x&topK=0", { token: alice }), 400, "invalid_request", "topK");
    await errorOf(await call(gateway, "GET", "/api/v2/search?q=x&expand=4", { token: alice }), 400, "invalid_request", "expand");
    await errorOf(await call(gateway, "GET", "/api/v2/search?q=x&threshold=1.5", { token: alice }), 400, "invalid_request", "threshold");
    await errorOf(await call(gateway, "GET", "/api/v2/documents/missing", { token: alice }), 404, "not_found");
    await errorOf(await call(gateway, "PUT", "/api/v2/documents/missing", { token: alice, body: valid }), 404, "not_found");
  });

  test("access levels on keys: set through the admin API, shown in the listing, checked", async () => {
    const keys = await json<{ data: Array<{ name: string; accessLevel: number }> }>(await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY }), 200);
    assert.deepEqual(keys.data.filter((k) => k.name === "alice" || k.name === "bob").map((k) => [k.name, k.accessLevel]).sort(), [["alice", 2], ["bob", 0]]);
    await errorOf(await call(gateway, "POST", "/api/v2/admin/keys", { token: ADMIN_KEY, body: { name: "neg", accessLevel: -1 } }), 400, "invalid_request", "accessLevel");
  });
});
