/**
 * Puts realistic data into a store the way production does: a real gateway over real HTTP, with a mock
 * upstream. API keys through the admin API (one revoked), sessions of several turns through the session API,
 * OpenAI-API requests (streamed and not) for the usage ledger, and key webhooks for deliveries. The gateway is
 * stopped at the end, which flushes the ledger.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";
import { startWebhookReceiver } from "../webhooks/webhookReceiver.js";

const ADMIN_KEY = "sy-backup-test-admin-key-0123456789";

export interface FilledCounts {
  sessions: number;
  keys: number;
  chatRequests: number;
  webhookEvents: number;
}

export async function fillThroughGateway(storeUrl: string): Promise<FilledCounts> {
  const mock = await startMockUpstream();
  // Distinct texts and token counts per request, so rows differ from each other in content, not only in ids.
  let n = 0;
  mock.script = () => {
    n += 1;
    return { text: `Answer number ${n}, with "quotes", a tab\tand ünïcödé.`, usage: { prompt_tokens: 10 + n, completion_tokens: 3 + n } };
  };
  const receiver = await startWebhookReceiver();
  const gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    store: { url: storeUrl },
    auth: { mode: "keys", adminKey: ADMIN_KEY },
    rateLimits: { enabled: false },
    pricing: { "vllm/mock-model": { input: 1.25, output: 3.5 } },
    webhooks: [{ url: receiver.url, secret: "whsec_backup_test_secret_0123", events: ["key.created", "key.revoked"] }],
  });
  try {
    const call = async (token: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
      return response;
    };
    const createKey = async (body: Record<string, unknown>) => ((await (await call(ADMIN_KEY, "/api/v2/admin/keys", body)).json()) as { id: string; key: string });

    const alice = await createKey({ name: "alice laptop", userId: "alice" });
    const bob = await createKey({ name: "bob ci", userId: "bob", allowedModels: ["auto", "vllm/mock-model"], rpm: 60, tpm: 10_000 });
    const capped = await createKey({ name: "capped", userId: "carol", budgetUsd: 12.5, budgetWindow: "month", expiresAt: "2099-01-01T00:00:00Z" });
    await createKey({ name: "admin tool", userId: "ops", role: "admin" });
    await call(ADMIN_KEY, `/api/v2/admin/keys/${capped.id}`, undefined, "DELETE");

    // Sessions of several turns each, continued by id.
    const turn = async (token: string, message: string, sessionId?: string, system?: string) => {
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message, ...(sessionId ? { sessionId } : {}), ...(system ? { system } : {}) }, {
        authorization: `Bearer ${token}`,
      });
      assert.equal(response.status, 200, await response.clone().text());
      const events = await readSse(response);
      assert.equal(events.at(-1)?.event, "done", JSON.stringify(events));
      const meta = events.find((event) => event.event === "meta");
      return (JSON.parse(meta?.data ?? "{}") as { sessionId: string }).sessionId;
    };
    let sessions = 0;
    for (const [token, turns] of [
      [alice.key, 3],
      [alice.key, 2],
      [bob.key, 4],
    ] as const) {
      const sessionId = await turn(token, "Hello, first question", undefined, "Be brief.");
      for (let i = 1; i < turns; i++) await turn(token, `Follow-up ${i}: and then?`, sessionId);
      sessions += 1;
    }

    let chatRequests = 0;
    for (const [token, stream] of [
      [alice.key, false],
      [alice.key, true],
      [bob.key, false],
    ] as const) {
      const response = await call(token, "/v1/chat/completions", { model: "vllm/mock-model", stream, messages: [{ role: "user", content: "hi" }] });
      await response.text();
      chatRequests += 1;
    }

    // 4 key.created + 1 key.revoked.
    await eventually(() => receiver.received.length >= 5, 10_000, "five webhook deliveries");
    return { sessions, keys: 4, chatRequests, webhookEvents: 5 };
  } finally {
    await gateway.stop();
    await receiver.close();
    await mock.close();
  }
}
