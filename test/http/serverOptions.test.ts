/**
 * Server settings through real connections: HTTPS with HTTP/2 (and HTTP/1.1 through ALPN), streams over HTTP/2,
 * compression of large JSON (never of streams), the connection timeouts reaching the server, the non-chat
 * request deadline against a store that hangs, and feature flags switched by a reload.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { configSchema } from "../../src/config/schema.js";

let upstream: MockUpstream;
let certDir: string;
let cert: Buffer;
let tlsGateway: TestGateway;
let plain: TestGateway;

const manyModels = Array.from({ length: 80 }, (_, i) => `model-number-${i}`);

before(async () => {
  upstream = await startMockUpstream();
  certDir = await mkdtemp(join(tmpdir(), "switchyard-tls-"));
  // A self-signed certificate for 127.0.0.1, made with the system's openssl.
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"),
  ], { stdio: "ignore" });
  cert = await readFile(join(certDir, "cert.pem"));
  tlsGateway = await startGateway({
    server: { tls: { certFile: join(certDir, "cert.pem"), keyFile: join(certDir, "key.pem") } },
    engines: [{ name: "up", type: "openai", baseUrl: upstream.url, models: ["m"] }],
  });
  plain = await startGateway({
    server: { timeouts: { keepAliveMs: 61_000, headersMs: 20_000, idleMs: 90_000 }, compression: { thresholdBytes: 1024 } },
    engines: [{ name: "up", type: "openai", baseUrl: upstream.url, models: ["m", ...manyModels] }],
    features: { sessionApi: false },
  });
});
after(async () => {
  await tlsGateway?.stop();
  await plain?.stop();
  await upstream?.close();
  await rm(certDir, { recursive: true, force: true });
});

function http2Get(url: string, path: string, body?: unknown): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { ca: cert });
    session.on("error", reject);
    const stream = session.request({
      ":method": body === undefined ? "GET" : "POST",
      ":path": path,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    });
    let status = 0;
    let headers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      status = Number(received[":status"]);
      headers = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      session.close();
      resolve({ status, text: Buffer.concat(chunks).toString(), headers });
    });
    stream.on("error", reject);
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test("TLS: HTTP/2 requests and an HTTP/2 stream", async () => {
  assert.match(tlsGateway.url, /^https:\/\//);
  const live = await http2Get(tlsGateway.url, "/health/live");
  assert.equal(live.status, 200);
  assert.deepEqual(JSON.parse(live.text), { status: "ok" });
  const streamed = await http2Get(tlsGateway.url, "/v1/chat/completions", { model: "up/m", stream: true, messages: [{ role: "user", content: "hi" }] });
  assert.equal(streamed.status, 200);
  assert.match(String(streamed.headers["content-type"]), /text\/event-stream/);
  assert.match(streamed.text, /data: \[DONE\]/);
});

test("TLS: HTTP/1.1 clients are still served", async () => {
  const { status, alpn } = await new Promise<{ status: number; alpn: string | false }>((resolve, reject) => {
    const request = httpsRequest(`${tlsGateway.url}/health/live`, { ca: cert }, (response) => {
      response.resume();
      const socket = response.socket as unknown as { alpnProtocol?: string | false };
      response.on("end", () => resolve({ status: response.statusCode ?? 0, alpn: socket.alpnProtocol ?? false }));
    });
    request.on("error", reject);
    request.end();
  });
  assert.equal(status, 200);
  assert.notEqual(alpn, "h2");
});

test("compression: large JSON in brotli or gzip, small JSON and streams as they are", async () => {
  const brotli = await fetch(`${plain.url}/v1/models`, { headers: { "accept-encoding": "br" } });
  assert.equal(brotli.headers.get("content-encoding"), "br");
  const raw = Buffer.from(await brotli.arrayBuffer());
  // fetch decodes br itself; decoding again would fail, so check what arrived is the full list either way.
  const listed = JSON.parse(tryDecode(raw, brotliDecompressSync)) as { data: unknown[] };
  assert.equal(listed.data.length, manyModels.length + 1);

  const gzip = await fetch(`${plain.url}/v1/models`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(gzip.headers.get("content-encoding"), "gzip");
  assert.equal((JSON.parse(tryDecode(Buffer.from(await gzip.arrayBuffer()), gunzipSync)) as { data: unknown[] }).data.length, manyModels.length + 1);

  const small = await fetch(`${plain.url}/health/live`, { headers: { "accept-encoding": "br, gzip" } });
  assert.equal(small.headers.get("content-encoding"), null);
  await small.text();

  const stream = await fetch(`${plain.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "accept-encoding": "br, gzip" },
    body: JSON.stringify({ model: "up/m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(stream.headers.get("content-encoding"), null);
  assert.match(await stream.text(), /\[DONE\]/);
});

function tryDecode(raw: Buffer, decode: (input: Buffer) => Buffer): string {
  try {
    return decode(raw).toString();
  } catch {
    return raw.toString();
  }
}

test("connection timeouts from the configuration reach the server", () => {
  assert.equal(plain.app.server.keepAliveTimeout, 61_000);
  assert.equal(plain.app.server.headersTimeout, 20_000);
  assert.equal(plain.app.server.timeout, 90_000);
});

test("feature flags: a switched-off API answers 404 naming the flag; a reload switches it on", async () => {
  const off = await fetch(`${plain.url}/api/v2/chat/sessions`);
  assert.equal(off.status, 404);
  const body = (await off.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "not_found");
  assert.match(body.error.message, /features\.sessionApi/);

  plain.reload(configSchema.parse({ ...plain.config, features: { sessionApi: true } }));
  const on = await fetch(`${plain.url}/api/v2/chat/sessions`);
  assert.equal(on.status, 200);
  await on.json();
  plain.reload(configSchema.parse({ ...plain.config, features: { sessionApi: false } }));
  assert.equal((await fetch(`${plain.url}/api/v2/chat/sessions`)).status, 404);
});

test("a non-chat request past server.timeouts.requestMs gets 504 request_timeout while the store hangs", async () => {
  let database: TestPostgresDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let gateway: TestGateway | undefined;
  try {
    database = await createTestPostgresDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    target.port = String(proxy.port);
    gateway = await startGateway({ store: { url: target.toString() }, server: { timeouts: { requestMs: 300 } } });
    assert.equal((await fetch(`${gateway.url}/api/v2/chat/sessions`)).status, 200);
    proxy.stall();
    const started = performance.now();
    const response = await fetch(`${gateway.url}/api/v2/chat/sessions`);
    assert.equal(response.status, 504);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "request_timeout");
    assert.ok(performance.now() - started < 5000, "answered at the deadline, not when the store came back");
    proxy.restore();
  } finally {
    await gateway?.stop();
    await proxy?.close();
    await database?.drop();
  }
});
