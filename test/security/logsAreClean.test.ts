/**
 * A full run through chat, admin and auth paths at trace level, every log line captured: no key, token or
 * secret may appear in any of them, nor in any response body that is not the one that issues a key.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { SignJWT } from "jose";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";

const upstreamKey = "sk-upstream-0123456789abcdefghijklmn";
const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
const jwtSecret = "jwt-shared-secret-0123456789abcdefghijkl";
const hookSecret = "webhook-secret-0123456789";

let mock: MockUpstream;
let gateway: TestGateway;
const lines: string[] = [];
const bodies: string[] = [];

before(async () => {
  mock = await startMockUpstream();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  gateway = await startGateway(
    {
      engines: [{ name: "up", type: "openai", baseUrl: mock.url, apiKey: upstreamKey, models: ["m"], retry: { attempts: 0 } }],
      auth: { mode: "keys+jwt", adminKey, jwt: { secret: jwtSecret, issuer: "tests", audience: "switchyard" } },
      webhooks: [{ url: `${mock.url}/hooks`, secret: hookSecret, events: ["key.created"] }],
    },
    { logDestination: destination, logLevel: "trace" },
  );
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

const call = async (path: string, token: string | undefined, body?: unknown, method = body === undefined ? "GET" : "POST") => {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text };
};

test("no credential reaches the logs or an error body", async () => {
  const chat = { model: "up/m", messages: [{ role: "user", content: "hello" }] };
  // Admin creates a user key: the only response allowed to contain a key.
  const created = await call("/api/v2/admin/keys", adminKey, { name: "tester", userId: "alice" });
  assert.equal(created.status, 201, created.text);
  const userKey = (JSON.parse(created.text) as { key: string }).key;
  assert.match(userKey, /^sy-/);

  const jwt = await new SignJWT({ roles: ["user"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("bob")
    .setIssuer("tests")
    .setAudience("switchyard")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(jwtSecret));

  bodies.push((await call("/v1/chat/completions", userKey, chat)).text);
  bodies.push((await call("/v1/chat/completions", jwt, { ...chat, stream: true })).text);
  const session = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi" }, { authorization: `Bearer ${userKey}` });
  bodies.push(JSON.stringify(await readSse(session)));
  bodies.push((await call("/api/v2/admin/keys", adminKey)).text);
  bodies.push((await call("/api/v2/admin/engines", adminKey)).text);
  // Failures: a wrong key, a tampered token, a user on an admin route, an upstream that echoes its key back.
  bodies.push((await call("/v1/chat/completions", `${userKey}x`, chat)).text);
  bodies.push((await call("/v1/chat/completions", `${jwt.slice(0, -4)}AAAA`, chat)).text);
  bodies.push((await call("/api/v2/admin/keys", userKey)).text);
  mock.script = () => ({ status: 401, errorMessage: `Incorrect API key provided: ${upstreamKey}` });
  bodies.push((await call("/v1/chat/completions", userKey, chat)).text);
  mock.script = () => ({ status: 400, errorMessage: `bad request from a client with key ${userKey} and token ${jwt}` });
  bodies.push((await call("/v1/chat/completions", userKey, chat)).text);

  const secrets = { upstreamKey, adminKey, jwtSecret, hookSecret, userKey, jwt };
  const logText = lines.join("");
  assert.ok(lines.length > 20, `captured ${lines.length} log lines`);
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(!logText.includes(secret), `${name} appears in the logs`);
    for (const body of bodies) assert.ok(!body.includes(secret), `${name} appears in a response body: ${body.slice(0, 300)}`);
  }
  // The signature part alone must not leak either (a JWT split across fields).
  assert.ok(!logText.includes(jwt.split(".")[2] as string));
});
