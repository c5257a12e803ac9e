/**
 * Fuzzing every JSON route that takes a body: thousands of random and mutated bodies per route against a real
 * server (with a mock upstream that answers valid chat requests at once) must only ever get a status below 500,
 * and every 4xx a stable error code in its API family's envelope. The routes are read from the running app, so a
 * new body route is fuzzed too (with `{}` as its valid body until it gets a better one below).
 *
 * FUZZ_RUNS sets the bodies per route (default 5000); FUZZ_SEED replays a run (the seed is in every failure).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import type { FuzzTarget } from "./sendFuzzed.js";
import { fuzzInWorker } from "./fuzzWorker.js";

const runs = Number(process.env.FUZZ_RUNS ?? 5000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);

interface RouteSpec {
  /** A body the route accepts, to mutate. */
  valid(context: SetupContext): unknown;
  /** Prepares what the valid body refers to (a session, an experiment) and returns the path to send to. */
  setup?(gateway: TestGateway): Promise<SetupContext>;
}

interface SetupContext {
  path?: string;
  sessionId?: string;
  messageId?: string;
}

const variants = [
  { name: "a", weight: 1, engine: "vllm", model: "mock-model", system: "be brief", params: { temperature: 0.5, topP: 0.9, maxTokens: 10 } },
  { name: "b", weight: 0 },
];

async function chatTurn(gateway: TestGateway): Promise<{ sessionId: string; messageId: string }> {
  const events = await readSse(await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hello there" }));
  const meta = JSON.parse(events.find((event) => event.event === "meta")!.data) as { sessionId: string; messageId: string };
  return meta;
}

const specs: Record<string, RouteSpec> = {
  "POST /v1/chat/completions": {
    valid: () => ({
      model: "vllm/mock-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{\"q\":1}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 16,
      temperature: 0.5,
      top_p: 1,
      stop: ["\n\n"],
      seed: 7,
      tools: [{ type: "function", function: { name: "lookup", description: "looks up", parameters: { type: "object", properties: { q: { type: "number" } } } } }],
      tool_choice: "auto",
      user: "fuzzer",
    }),
  },
  "POST /v1/messages": {
    valid: () => ({
      model: "vllm/mock-model",
      max_tokens: 16,
      system: [{ type: "text", text: "be brief" }],
      messages: [
        { role: "user", content: [{ type: "text", text: "hi" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "c1", name: "lookup", input: { q: 1 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: "42" }] },
      ],
      stream: true,
      temperature: 0.5,
      top_p: 1,
      top_k: 3,
      stop_sequences: ["\n\n"],
      tools: [{ name: "lookup", description: "looks up", input_schema: { type: "object", properties: { q: { type: "number" } } } }],
      tool_choice: { type: "auto" },
      metadata: { user_id: "fuzzer" },
    }),
  },
  "POST /v1/responses": {
    valid: () => ({
      model: "vllm/mock-model",
      instructions: "be brief",
      input: [
        { role: "user", content: "hi" },
        { type: "message", role: "developer", content: [{ type: "input_text", text: "answer in English" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "let me look", annotations: [] }] },
        { type: "function_call", call_id: "c1", name: "lookup", arguments: "{\"q\":1}" },
        { type: "function_call_output", call_id: "c1", output: "42" },
      ],
      stream: true,
      store: true,
      max_output_tokens: 16,
      temperature: 0.5,
      top_p: 1,
      tools: [{ type: "function", name: "lookup", description: "looks up", parameters: { type: "object", properties: { q: { type: "number" } } }, strict: false }],
      tool_choice: { type: "function", name: "lookup" },
      parallel_tool_calls: false,
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object" } } },
      metadata: { source: "fuzzer" },
      user: "fuzzer",
    }),
  },
  "POST /v1/messages/count_tokens": {
    valid: () => ({ model: "vllm/mock-model", system: "be brief", messages: [{ role: "user", content: "hi" }], tools: [{ name: "lookup", input_schema: { type: "object" } }] }),
  },
  "POST /v1/embeddings": {
    valid: () => ({ model: "vllm/mock-embed", input: ["hi", "there"], encoding_format: "base64", dimensions: 4, user: "fuzzer" }),
  },
  "POST /api/v2/chat/stream": {
    setup: async (gateway) => ({ sessionId: (await chatTurn(gateway)).sessionId }),
    valid: ({ sessionId }) => ({
      message: "hi",
      sessionId: sessionId!,
      engine: "vllm",
      model: "mock-model",
      system: "be brief",
      projectId: "fuzz",
      rag: { topK: 3, threshold: 0, expand: 1 },
      tools: ["search_documents", "get_session_history"],
    }),
  },
  "POST /api/v2/chat/feedback": {
    setup: async (gateway) => ({ messageId: (await chatTurn(gateway)).messageId }),
    valid: ({ messageId }) => ({ messageId: messageId!, score: 1 }),
  },
  "POST /api/v2/ab": {
    valid: () => ({ name: "experiment", appliesTo: "vllm", assignBy: "session", status: "paused", variants }),
  },
  "PATCH /api/v2/ab/:id": {
    setup: async (gateway) => {
      const created = await postJson(`${gateway.url}/api/v2/ab`, { name: "fuzzed", status: "paused", variants });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      return { path: `/api/v2/ab/${id}` };
    },
    valid: () => ({ status: "paused", variants }),
  },
  "POST /api/v2/admin/keys": {
    valid: () => ({
      name: "fuzzed key",
      userId: "fuzzer",
      role: "user",
      allowedModels: ["vllm/mock-model"],
      expiresAt: "2099-01-01T00:00:00Z",
      rpm: 10,
      tpm: 1000,
      budgetUsd: 1,
      budgetWindow: "day",
      accessLevel: 1,
    }),
  },
  "PATCH /api/v2/admin/keys/:id": {
    setup: async (gateway) => {
      const created = await postJson(`${gateway.url}/api/v2/admin/keys`, { name: "fuzz target" });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      return { path: `/api/v2/admin/keys/${id}` };
    },
    valid: () => ({ name: "changed", rpm: 10, tpm: null, budgetUsd: 1, budgetWindow: "day", allowedModels: ["vllm/mock-model"], expiresAt: "2099-01-01T00:00:00Z", accessLevel: 1 }),
  },
  // auth.mode none here: the session is the local admin's, whatever key a valid body names.
  "POST /api/v2/console/session": {
    valid: () => ({ apiKey: "sy-fuzzed-key-0123456789" }),
  },
  "POST /api/v2/admin/webhooks": {
    valid: () => ({ url: "http://127.0.0.1:9/hook", events: ["budget.threshold"], secret: "0123456789abcdef0123" }),
  },
  "POST /api/v2/chat/jobs": {
    valid: () => ({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], max_tokens: 16, temperature: 0, stream: false }),
  },
  // Takes no body; fuzzed bodies must still never break it.
  "POST /api/v2/admin/jobs/:id/retry": {
    valid: () => ({}),
  },
  "POST /api/v2/documents": {
    valid: () => ({ projectId: "fuzz", type: "note", title: "Fuzzed", content: "# Heading\n\nSome text.", format: "markdown", accessLevel: 0, references: [] }),
  },
  "PUT /api/v2/documents/:id": {
    setup: async (gateway) => {
      const created = await postJson(`${gateway.url}/api/v2/documents`, { projectId: "fuzz", type: "note", title: "Target", content: "Text." });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      return { path: `/api/v2/documents/${id}` };
    },
    valid: () => ({ projectId: "fuzz", type: "note", title: "Replaced", content: "<h1>Title</h1><p>Body</p>", format: "html" }),
  },
  // Takes no body; without an embedding model configured it is refused (400) whatever comes.
  "POST /api/v2/admin/documents/reembed": {
    valid: () => ({}),
  },
  "POST /mcp": {
    valid: () => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_documents", arguments: { query: "hello", topK: 3 } } }),
  },
  "POST /api/v2/admin/cache/invalidate": {
    valid: () => ({ tenant: "fuzzer", model: "vllm/mock-model", keyId: "key-1" }),
  },
};

let mock: MockUpstream;
const gatewayConfig = () => ({
  engines: [{ ...openAIEngine("vllm", mock.url), embeddingModels: ["mock-embed"] }],
  cache: { enabled: true },
  // High enough never to refuse: the fuzz is about bodies, not limits.
  rateLimits: {
    perKey: { chat: { rpm: 10_000_000, tpm: 0 }, admin: { rpm: 10_000_000 }, other: { rpm: 10_000_000 } },
    perUser: { chat: { rpm: 10_000_000, tpm: 0 }, admin: { rpm: 10_000_000 }, other: { rpm: 10_000_000 } },
  },
});

before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await mock.close();
});

/** The routes that take a body, as the app registered them. */
async function bodyRoutes(): Promise<Array<{ method: FuzzTarget["method"]; url: string }>> {
  const probe = await startGateway({});
  try {
    return probe.app.routePolicies
      .filter((route): route is typeof route & { method: FuzzTarget["method"] } => route.method === "POST" || route.method === "PATCH" || route.method === "PUT")
      .map(({ method, url }) => ({ method, url }));
  } finally {
    await probe.stop();
  }
}

const routes = await bodyRoutes();

test("the fuzz knows a valid body for every body route", () => {
  // Unknown routes are still fuzzed (from `{}`), but mutations of a real body reach much deeper.
  assert.deepEqual(
    routes.map(({ method, url }) => `${method} ${url}`).filter((name) => !(name in specs)),
    [],
  );
});

routes.forEach(({ method, url }, index) => {
  const name = `${method} ${url}`;
  test(`fuzz ${name}: ${runs} bodies, never a 5xx, every 4xx a stable code in its envelope`, async (t) => {
    // A gateway per route: what one route's valid bodies create (experiments, keys) must not change another's answers.
    const gateway = await startGateway(gatewayConfig());
    try {
      const spec: RouteSpec = specs[name] ?? { valid: () => ({}) };
      const context = (await spec.setup?.(gateway)) ?? {};
      const path = context.path ?? url.replaceAll(/:[A-Za-z]+/g, "00000000-0000-4000-8000-000000000000");
      const routeSeed = seed + index;
      const { failures, statuses } = await fuzzInWorker({
        baseUrl: gateway.url,
        target: { method, path },
        validBody: spec.valid(context),
        runs,
        seed: routeSeed,
        bodyLimitBytes: gateway.config.server.bodyLimitBytes,
      });
      const summary = statuses.sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(" ");
      assert.deepEqual(
        failures.slice(0, 5),
        [],
        `${failures.length} of ${runs} bodies broke the rule (FUZZ_SEED=${seed}, route seed ${routeSeed}); statuses: ${summary}`,
      );
      t.diagnostic(`statuses: ${summary}`);
      const live = await fetch(`${gateway.url}/health/live`);
      assert.equal(live.status, 200, "the server still answers");
      await live.arrayBuffer();
    } finally {
      await gateway.stop();
    }
  });
});
