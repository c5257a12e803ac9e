/**
 * The OpenAPI description: every route the server registered (read from the app, never listed here) is in
 * /openapi.json, except the ones openApi.ts leaves out by its stated rule (HEAD, the CORS preflight catch-all, the
 * docs UI's own routes); nothing else is in it; /docs serves the UI. Both answer without a key while the API itself
 * still wants one.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { ADMIN_KEY, call, startAuthGateway } from "../auth/authGateway.js";
import { configSchema } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/store/openStore.js";
import { createRouting } from "../../src/routing/createRouting.js";
import { createRequestSignals } from "../../src/http/requestSignals.js";
import { buildApp } from "../../src/http/buildApp.js";
import { DOCS_PREFIX, OPENAPI_PATH, isUndocumented, openApiPath } from "../../src/http/openApi.js";

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean }[];
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("OpenAPI description and docs", () => {
  let mock: MockUpstream;
  let gateway: TestGateway;
  let spec: OpenApiDocument;

  before(async () => {
    mock = await startMockUpstream();
    gateway = await startAuthGateway(mock);
    const response = await call(gateway, "GET", OPENAPI_PATH);
    assert.equal(response.status, 200, "the description needs no key");
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    spec = (await response.json()) as OpenApiDocument;
  });
  after(async () => {
    await gateway?.stop();
    await mock?.close();
  });

  test("every registered route is documented, except by the stated rule, and nothing else is", () => {
    const routes = gateway.app.routePolicies;
    assert.ok(routes.length >= 20, `only ${routes.length} routes recorded`);
    const missing: string[] = [];
    const expected = new Set<string>();
    for (const route of routes) {
      const operation = spec.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (isUndocumented(route.method, route.url)) {
        assert.equal(operation, undefined, `${route.method} ${route.url} is left out`);
        continue;
      }
      expected.add(`${route.method} ${openApiPath(route.url)}`);
      if (!operation) missing.push(`${route.method} ${route.url}`);
    }
    assert.deepEqual(missing, [], "registered routes missing from the description");

    const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(documented.filter((entry) => !expected.has(entry)), [], "documented operations no route serves");
    assert.equal(documented.length, expected.size);

    // The rule, spelled out: what is left out besides HEAD is the preflight catch-all, the docs UI and the console's
    // pages, and the UI really is registered (so leaving it out is not a vacuous pass).
    const leftOut = routes.filter((route) => route.method !== "HEAD" && isUndocumented(route.method, route.url));
    for (const route of leftOut) {
      assert.ok(
        (route.method === "OPTIONS" && route.url === "*") ||
          route.url === DOCS_PREFIX ||
          route.url.startsWith(`${DOCS_PREFIX}/`) ||
          (route.method === "GET" && (route.url === "/console" || route.url === "/console/*")),
        `${route.method} ${route.url} is left out but is neither the preflight catch-all, the docs UI nor the console's pages`,
      );
    }
    assert.ok(leftOut.some((route) => route.method === "GET" && route.url === DOCS_PREFIX));
    for (const path of [OPENAPI_PATH, "/v1/chat/completions", "/v1/models/{id}", "/api/v2/chat/sessions/{id}/messages", "/health/ready", "/metrics"]) {
      assert.ok(spec.paths[path], `${path} is documented`);
    }
  });

  test("it is OpenAPI 3.1 with the title, the security schemes, and a tag and summary on every operation", () => {
    assert.match(spec.openapi, /^3\.1\.\d+$/);
    assert.equal(spec.info.title, "Switchyard");
    assert.ok(spec.info.version.length > 0);
    const { bearer, apiKeyHeader } = spec.components.securitySchemes;
    assert.deepEqual(bearer && { type: bearer.type, scheme: bearer.scheme }, { type: "http", scheme: "bearer" });
    const header = apiKeyHeader && { type: apiKeyHeader.type, in: apiKeyHeader.in, name: apiKeyHeader.name };
    assert.deepEqual(header, { type: "apiKey", in: "header", name: "X-API-Key" });
    assert.deepEqual(spec.security, [{ bearer: [] }, { apiKeyHeader: [] }]);

    const tagNames = new Set(spec.tags.map((tag) => tag.name));
    const policies = new Map(gateway.app.routePolicies.map((route) => [`${route.method.toLowerCase()} ${openApiPath(route.url)}`, route.policy]));
    const problems: string[] = [];
    for (const [path, item] of Object.entries(spec.paths)) {
      if (!path.startsWith("/") || /[:*]/.test(path)) problems.push(`${path}: not an OpenAPI path`);
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!operation.summary) problems.push(`${where}: no summary`);
        if (!operation.tags?.length) problems.push(`${where}: no tag`);
        for (const tag of operation.tags ?? []) if (!tagNames.has(tag)) problems.push(`${where}: tag ${tag} is not declared`);
        if (!operation.responses || Object.keys(operation.responses).length === 0) problems.push(`${where}: no responses`);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) {
            if (!spec.components.securitySchemes[scheme]) problems.push(`${where}: unknown scheme ${scheme}`);
          }
        }
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          const parameter = operation.parameters?.find((p) => p.in === "path" && p.name === name);
          if (!parameter?.required) problems.push(`${where}: path parameter ${name} not declared as required`);
        }
        // Public routes need no credential; the others inherit the document-wide requirement.
        const policy = policies.get(`${method} ${path}`);
        if (policy === "public" && JSON.stringify(operation.security) !== "[]") problems.push(`${where}: public but asks for a credential`);
        if (policy !== "public" && operation.security !== undefined) problems.push(`${where}: ${policy} but overrides the credential requirement`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the docs and the description answer without a key; the API still wants one, in either header", async () => {
    const docs = await call(gateway, "GET", DOCS_PREFIX);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await docs.text(), /swagger-ui/i);
    // The page loads its own scripts and styles; the API's CSP (default-src 'none') would block them.
    const policy = docs.headers.get("content-security-policy") ?? "";
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.equal(docs.headers.get("x-frame-options"), "DENY");

    const script = await call(gateway, "GET", `${DOCS_PREFIX}/static/swagger-ui-bundle.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
    await script.arrayBuffer();
    const uiSpec = await call(gateway, "GET", `${DOCS_PREFIX}/json`);
    assert.equal(uiSpec.status, 200);
    assert.deepEqual(await uiSpec.json(), spec, "the UI shows the same description");

    const described = await call(gateway, "GET", OPENAPI_PATH);
    assert.equal(described.headers.get("content-security-policy"), "default-src 'none';frame-ancestors 'none'", "the API keeps its CSP");
    await described.arrayBuffer();

    const anonymous = await call(gateway, "GET", "/v1/models");
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
    await anonymous.arrayBuffer();
    const bearer = await call(gateway, "GET", "/v1/models", { token: ADMIN_KEY });
    assert.equal(bearer.status, 200, "Authorization: Bearer");
    await bearer.arrayBuffer();
    const apiKey = await call(gateway, "GET", "/v1/models", { headers: { "x-api-key": ADMIN_KEY } });
    assert.equal(apiKey.status, 200, "X-API-Key");
    await apiKey.arrayBuffer();
  });
});

test("only the docs plugin's routes are made public: a route under /docs without a policy still fails the build", async () => {
  const config = configSchema.parse({ store: { url: "sqlite::memory:" }, log: { level: "silent" } });
  const logger = createLogger("silent");
  const store = await openStore(config.store.url);
  const routing = createRouting(config, logger);
  const app = buildApp({
    config,
    logger,
    store,
    router: routing.router,
    // Never called: the app is only built.
    chat: { start: () => Promise.reject(new Error("not used")), remove: () => Promise.reject(new Error("not used")) },
    signals: createRequestSignals(),
    draining: () => false,
  });
  try {
    let failure: unknown;
    try {
      app.get(`${DOCS_PREFIX}/forgotten`, async () => ({ open: true }));
      await app.ready();
    } catch (error) {
      failure = error;
    }
    assert.match(String(failure), /declares no policy/);
  } finally {
    await app.close().catch(() => undefined);
    await routing.close();
    await store.close();
  }
});
