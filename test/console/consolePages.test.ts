/**
 * The console's files as a browser gets them: the page with a strict content security policy at /console/ and at
 * every console path, hashed assets cached for a year, a missing asset as 404 (not the page), nothing outside the
 * build reachable; over TLS the session cookie is Secure. The files here are a small build of its own, so these
 * tests do not depend on the front end's.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { ADMIN_KEY } from "../auth/authGateway.js";

const INDEX = '<!doctype html><html><head><script type="module" src="/console/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

describe("console pages", () => {
  let upstream: MockUpstream;
  let gateway: TestGateway;
  let root: string;

  before(async () => {
    upstream = await startMockUpstream();
    root = await mkdtemp(join(tmpdir(), "switchyard-console-"));
    await mkdir(join(root, "assets"));
    await writeFile(join(root, "index.html"), INDEX);
    await writeFile(join(root, "assets", "index-abc123.js"), 'console.log("console");');
    await writeFile(join(root, ".secret"), "not for anyone");
    await writeFile(join(root, "..", "beside-console.txt"), "outside the build");
    gateway = await startGateway({ engines: [openAIEngine("vllm", upstream.url)], auth: { mode: "keys", adminKey: ADMIN_KEY } }, { consoleRoot: root });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
    await rm(root, { recursive: true, force: true });
    await rm(join(root, "..", "beside-console.txt"), { force: true });
  });

  test("/console/ and any console path serve the page, revalidated, with a CSP that allows no inline script", async () => {
    for (const path of ["/console/", "/console/keys", "/console/requests/abc"]) {
      const response = await fetch(`${gateway.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(await response.text(), INDEX);
      assert.equal(response.headers.get("cache-control"), "no-cache");
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /connect-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(response.headers.get("x-frame-options"), "DENY");
    }
  });

  test("/console redirects to /console/", async () => {
    const response = await fetch(`${gateway.url}/console`, { redirect: "manual" });
    assert.equal(response.status, 308);
    assert.equal(response.headers.get("location"), "/console/");
  });

  test("hashed assets are immutable for a year; a missing asset is 404, not the page", async () => {
    const asset = await fetch(`${gateway.url}/console/assets/index-abc123.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    assert.match(asset.headers.get("cache-control") ?? "", /max-age=31536000.*immutable/);
    assert.equal(await asset.text(), 'console.log("console");');
    const missing = await fetch(`${gateway.url}/console/assets/index-gone.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "not_found");
  });

  test("nothing outside the build, and no dotfile, is served", async () => {
    for (const path of ["/console/.secret", "/console/..%2fbeside-console.txt", "/console/%2e%2e/beside-console.txt"]) {
      const response = await fetch(`${gateway.url}${path}`);
      const text = await response.text();
      assert.ok(!text.includes("not for anyone") && !text.includes("outside the build"), `${path}: ${response.status} ${text.slice(0, 80)}`);
    }
  });

  test("the page is public (it holds no data); the APIs behind it are not", async () => {
    assert.equal((await fetch(`${gateway.url}/console/usage`)).status, 200);
    assert.equal((await fetch(`${gateway.url}/api/v2/admin/keys`)).status, 401);
  });

  test("an installation without a built console says so with a 404", async () => {
    const bare = await startGateway({ engines: [openAIEngine("vllm", upstream.url)] }, { consoleRoot: join(root, "not-built") });
    try {
      const response = await fetch(`${bare.url}/console/`);
      assert.equal(response.status, 404);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /not built/);
    } finally {
      await bare.stop();
    }
  });
});

describe("console over TLS", () => {
  test("the session cookie is Secure", async () => {
    const upstream = await startMockUpstream();
    const certDir = await mkdtemp(join(tmpdir(), "switchyard-console-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"),
    ], { stdio: "ignore" });
    const gateway = await startGateway({
      server: { tls: { certFile: join(certDir, "cert.pem"), keyFile: join(certDir, "key.pem") } },
      engines: [openAIEngine("vllm", upstream.url)],
      auth: { mode: "keys", adminKey: ADMIN_KEY },
    });
    try {
      const ca = await readFile(join(certDir, "cert.pem"));
      const setCookie = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest(`${gateway.url}/api/v2/console/session`, { ca, method: "POST", headers: { "content-type": "application/json" } }, (response) => {
          response.resume();
          response.on("end", () => resolve([response.headers["set-cookie"] ?? []].flat().join("\n")));
        });
        request.on("error", reject);
        request.end(JSON.stringify({ apiKey: ADMIN_KEY }));
      });
      assert.match(setCookie, /; HttpOnly; Secure; SameSite=Strict/);
    } finally {
      await gateway.stop();
      await upstream.close();
      await rm(certDir, { recursive: true, force: true });
    }
  });
});
