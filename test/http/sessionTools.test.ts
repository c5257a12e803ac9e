/**
 * Server-side tools on the session API over real HTTP, on SQLite and on PostgreSQL: the mock upstream plays a model
 * that asks for tool calls and answers once the results are in its prompt; `http` tools call a real HTTP server
 * that answers, fails, hangs, sends too much or redirects. The loop, its bounds, what the upstream receives, what
 * the client is sent and what the session stores are checked.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { captureLogs } from "../support/captureLogs.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse, type SseEvent } from "../support/readSse.js";
import { jsonOf, type ErrorBody, type MessageView, type Page, type SessionView } from "../support/apiTypes.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { startToolServer, type ToolServer } from "../support/startToolServer.js";
import { alwaysCalling, assistantCallsOf, messagesOf, offeredToolsOf, toolConversation, toolMessagesOf } from "../support/toolConversation.js";
import type { UsageList } from "./usageTypes.js";
import { eventually } from "../support/eventually.js";

interface StoreUnderTest {
  name: string;
  setup(): Promise<{ url: string; teardown(): Promise<void> }>;
}

const stores: StoreUnderTest[] = [
  {
    name: "sqlite",
    async setup() {
      const dir = await mkdtemp(join(tmpdir(), "switchyard-tools-"));
      return { url: `sqlite:${join(dir, "chat.db")}`, teardown: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "postgres",
    async setup() {
      const db = await createTestPostgresDatabase();
      return { url: db.url, teardown: db.drop };
    },
  },
];

interface ToolEvent {
  id: string;
  name: string;
  arguments: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  durationMs: number;
  step: number;
}
interface DoneEvent {
  usage: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
  finishReason: string | null;
  messageId: string;
  steps: number;
}
interface StoredMessage extends MessageView {
  toolCalls: Array<{ id: string; function: { name: string; arguments: string } }> | null;
  toolCallId: string | null;
  citations: unknown;
}

const TOOL_SECRET = "tool-secret-value-0123456789";
const data = <T>(events: SseEvent[], name: string) => events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as T);
const weatherParameters = {
  type: "object",
  properties: { city: { type: "string", minLength: 1, description: "The city" } },
  required: ["city"],
  additionalProperties: false,
};

for (const storeUnderTest of stores) {
  describe(`session tools on ${storeUnderTest.name}`, () => {
    let mock: MockUpstream;
    let tools: ToolServer;
    let gateway: TestGateway;
    let teardown: () => Promise<void>;
    const captured = captureLogs();
    const logs = captured.chunks;

    before(async () => {
      mock = await startMockUpstream();
      tools = await startToolServer();
      const store = await storeUnderTest.setup();
      teardown = store.teardown;
      const http = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
        name,
        description: `The ${name} tool`,
        parameters: weatherParameters,
        url: `${tools.url}${path}`,
        ...extra,
      });
      gateway = await startGateway(
        {
          engines: [openAIEngine("vllm", mock.url)],
          store: { url: store.url },
          chat: { historyWindow: 20 },
          tools: {
            maxSteps: 3,
            timeoutMs: 5000,
            maxCallsPerStep: 6,
            http: [
              http("weather", "/weather", { headers: { authorization: `Bearer ${TOOL_SECRET}` } }),
              http("weather_get", "/weather", { method: "GET" }),
              http("hanging", "/hang", { timeoutMs: 300 }),
              http("failing", "/fail"),
              http("oversized", "/big", { maxResponseBytes: 4096 }),
              http("bounced_home", "/redirect-home"),
              http("bounced_away", "/redirect-away"),
              http("texty", "/text"),
            ],
          },
        },
        {
          logLevel: "debug",
          logDestination: captured.destination,
        },
      );
    });
    after(async () => {
      await gateway.stop();
      await mock.close();
      await tools.close();
      await teardown();
    });

    const chat = async (body: Record<string, unknown>) => {
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, body);
      assert.equal(response.status, 200, await response.clone().text());
      return readSse(response);
    };
    const messagesOfSession = async (sessionId: unknown) =>
      (await jsonOf<Page<StoredMessage>>(fetch(`${gateway.url}/api/v2/chat/sessions/${String(sessionId)}/messages?limit=100`))).data;

    test("the tool loop: the model asks for a tool, the gateway runs it and sends the result back, the final answer streams", async () => {
      mock.reset();
      tools.requests = [];
      mock.script = toolConversation([{ id: "call_w1", name: "weather", arguments: '{"city":"Oslo"}' }], (results) => ({
        text: `It is ${(JSON.parse(results.get("call_w1") ?? "{}") as { forecast?: string }).forecast} in Oslo.`,
        usage: { prompt_tokens: 20, completion_tokens: 6 },
      }));
      const events = await chat({ message: "Weather in Oslo?", tools: ["weather"] });

      assert.deepEqual(
        events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]),
        ["meta", "tool", "token", "done"],
      );
      const [tool] = data<ToolEvent>(events, "tool");
      assert.equal(tool?.id, "call_w1");
      assert.equal(tool?.name, "weather");
      assert.deepEqual(tool?.arguments, { city: "Oslo" });
      assert.deepEqual(tool?.result, { city: "Oslo", forecast: "sunny", celsius: 21 });
      assert.equal(tool?.step, 1);
      assert.equal(typeof tool?.durationMs, "number");
      assert.equal(data<{ text: string }>(events, "token").map((t) => t.text).join(""), "It is sunny in Oslo.");
      const [done] = data<DoneEvent>(events, "done");
      assert.equal(done?.finishReason, "stop");
      assert.equal(done?.steps, 2);
      assert.deepEqual(done?.usage, { inputTokens: 30, outputTokens: 9, totalTokens: 39 }, "usage of both engine calls");

      // The tool server got the arguments and the configured header.
      assert.equal(tools.requests.length, 1);
      assert.equal(tools.requests[0]?.method, "POST");
      assert.deepEqual(JSON.parse(tools.requests[0]?.body ?? ""), { city: "Oslo" });
      assert.equal(tools.requests[0]?.headers.authorization, `Bearer ${TOOL_SECRET}`);

      // Both upstream calls offered the tool; the second carries the call and its result.
      assert.equal(mock.requests.length, 2);
      assert.deepEqual(offeredToolsOf(mock.requests[0]), ["weather"]);
      assert.deepEqual((mock.requests[0]?.body.tools as Array<{ function: { parameters: unknown } }>)[0]?.function.parameters, weatherParameters);
      assert.deepEqual(offeredToolsOf(mock.requests[1]), ["weather"]);
      const second = messagesOf(mock.requests[1]);
      assert.deepEqual(
        second.map((m) => m.role),
        ["user", "assistant", "tool"],
      );
      assert.deepEqual(assistantCallsOf(mock.requests[1]), [{ id: "call_w1", name: "weather", arguments: '{"city":"Oslo"}' }]);
      assert.equal(second[1]?.content, null, "an answer that was only tool calls has no content");
      const [result] = toolMessagesOf(mock.requests[1]);
      assert.equal(result?.tool_call_id, "call_w1");
      assert.deepEqual(JSON.parse(result?.content ?? ""), { city: "Oslo", forecast: "sunny", celsius: 21 });

      // The session holds the whole exchange, each message complete, and done names the answer's message.
      const [meta] = data<{ sessionId: string; messageId: string; traceId: string }>(events, "meta");
      const stored = await messagesOfSession(meta?.sessionId);
      assert.deepEqual(
        stored.map((m) => [m.role, m.status, m.toolCallId]),
        [
          ["user", "complete", null],
          ["assistant", "complete", null],
          ["tool", "complete", "call_w1"],
          ["assistant", "complete", null],
        ],
      );
      assert.equal(stored[1]?.id, meta?.messageId);
      assert.deepEqual(stored[1]?.toolCalls?.map((c) => [c.id, c.function.name, c.function.arguments]), [["call_w1", "weather", '{"city":"Oslo"}']]);
      assert.deepEqual(stored[1]?.usage, { inputTokens: 10, outputTokens: 3 });
      assert.equal(stored[3]?.id, done?.messageId);
      assert.equal(stored[3]?.content, "It is sunny in Oslo.");
      assert.deepEqual(stored[3]?.usage, { inputTokens: 20, outputTokens: 6 });

      // One ledger row per engine call.
      const usage = await jsonOf<UsageList>(fetch(`${gateway.url}/api/v2/usage?limit=100`));
      const rows = usage.data.filter((row) => row.traceId === meta?.traceId);
      assert.deepEqual(rows.map((row) => [row.status, row.inputTokens, row.outputTokens]).sort(), [
        ["complete", 10, 3],
        ["complete", 20, 6],
      ]);

      // The secret header never reaches the logs, which did record the call.
      const log = logs.join("");
      assert.match(log, /"msg":"tool call"/);
      assert.ok(!log.includes(TOOL_SECRET), "the tool's header value is masked in the logs");
    });

    test("a hanging http tool times out: a tool event with the error, the model is told, and the chat still completes", async () => {
      mock.reset();
      const abandonedBefore = tools.abandoned;
      mock.script = toolConversation([{ id: "call_h1", name: "hanging", arguments: '{"city":"Oslo"}' }], () => ({ text: "The service did not answer." }));
      const events = await chat({ message: "Try the slow one", tools: ["hanging"] });
      const [tool] = data<ToolEvent>(events, "tool");
      assert.equal(tool?.error?.code, "timeout");
      assert.match(tool?.error?.message ?? "", /did not answer within 300 ms/);
      assert.equal(tool?.result, undefined);
      assert.ok((tool?.durationMs ?? 0) >= 290, `waited for the timeout (${tool?.durationMs} ms)`);
      assert.equal(events.at(-1)?.event, "done");
      assert.equal(data<{ text: string }>(events, "token").map((t) => t.text).join(""), "The service did not answer.");
      const [result] = toolMessagesOf(mock.requests[1]);
      assert.deepEqual(JSON.parse(result?.content ?? ""), { error: "the tool did not answer within 300 ms" });
      // The gateway gave up on the request: the tool server saw its connection closed.
      await eventually(() => tools.abandoned > abandonedBefore, 3000, "the hanging request to be abandoned");
    });

    test("maxSteps bounds the loop: a model that keeps asking ends with max_steps, and the next turn sends only whole exchanges", async () => {
      mock.reset();
      mock.script = alwaysCalling("weather", '{"city":"Rome"}');
      const events = await chat({ message: "Loop forever", tools: ["weather"] });
      assert.equal(mock.requests.length, 3, "maxSteps: 3 engine calls");
      assert.equal(data<ToolEvent>(events, "tool").length, 2, "the last call's tool request is not run");
      const [done] = data<DoneEvent>(events, "done");
      assert.equal(done?.finishReason, "max_steps");
      assert.equal(done?.steps, 3);
      const sessionId = data<{ sessionId: string }>(events, "meta")[0]?.sessionId;

      mock.reset();
      mock.script = () => ({ text: "Fine." });
      await chat({ message: "And now?", sessionId });
      const sent = messagesOf(mock.requests[0]);
      assert.deepEqual(
        sent.map((m) => m.role),
        ["user", "assistant", "tool", "assistant", "tool", "user"],
      );
      const called = assistantCallsOf(mock.requests[0]).map((c) => c.id);
      const answered = toolMessagesOf(mock.requests[0]).map((m) => m.tool_call_id);
      assert.deepEqual(called, ["call_loop_1", "call_loop_2"]);
      assert.deepEqual(answered, called, "every call sent has its result and no result is sent without its call");
    });

    test("bad arguments are the model's to fix: invalid_arguments, the tool never runs, the turn goes on", async () => {
      mock.reset();
      tools.requests = [];
      const calls = [
        { id: "call_b1", name: "weather", arguments: '{"city": 5}' },
        { id: "call_b2", name: "weather", arguments: "{not json" },
        { id: "call_b3", name: "weather", arguments: '{"city":"Oslo","extra":true}' },
        { id: "call_b4", name: "no_such_tool", arguments: "{}" },
      ];
      mock.script = toolConversation(calls, () => ({ text: "Sorry." }));
      const events = await chat({ message: "Break the arguments", tools: ["weather"] });
      const byId = new Map(data<ToolEvent>(events, "tool").map((event) => [event.id, event]));
      assert.equal(byId.get("call_b1")?.error?.code, "invalid_arguments");
      assert.match(byId.get("call_b1")?.error?.message ?? "", /\/city: must be string/);
      assert.equal(byId.get("call_b2")?.error?.code, "invalid_arguments");
      assert.equal(byId.get("call_b2")?.arguments, "{not json");
      assert.match(byId.get("call_b3")?.error?.message ?? "", /\/extra: is not an allowed property/);
      assert.equal(byId.get("call_b4")?.error?.code, "unknown_tool");
      assert.equal(tools.requests.length, 0, "no call reached the tool server");
      assert.equal(events.at(-1)?.event, "done");
      const results = toolMessagesOf(mock.requests[1]);
      assert.deepEqual(
        results.map((m) => m.tool_call_id),
        ["call_b1", "call_b2", "call_b3", "call_b4"],
      );
      for (const result of results) assert.ok("error" in (JSON.parse(result.content ?? "") as object));
    });

    test("calls without an id, or repeating one, get ids of their own so each result answers one call", async () => {
      mock.reset();
      const city = '{"city":"Oslo"}';
      mock.script = (request) =>
        toolMessagesOf(request).length > 0
          ? { text: "ok" }
          : {
              toolCalls: [
                { id: "", name: "weather", arguments: city },
                { id: "call_same", name: "weather", arguments: city },
                { id: "call_same", name: "weather", arguments: city },
              ],
            };
      const events = await chat({ message: "Ids, please", tools: ["weather"] });
      const ids = data<ToolEvent>(events, "tool").map((event) => event.id);
      assert.equal(new Set(ids).size, 3);
      assert.ok(ids.includes("call_same"));
      const called = assistantCallsOf(mock.requests[1]).map((c) => c.id);
      assert.deepEqual(new Set(toolMessagesOf(mock.requests[1]).map((m) => m.tool_call_id)), new Set(called));
      assert.equal(new Set(called).size, 3);
      assert.ok(called.every((id) => id !== ""));
    });

    test("calls beyond maxCallsPerStep in one answer are answered without running", async () => {
      mock.reset();
      tools.requests = [];
      const calls = Array.from({ length: 7 }, (_, i) => ({ id: `call_m${i}`, name: "weather", arguments: `{"city":"City ${i}"}` }));
      mock.script = toolConversation(calls, () => ({ text: "Seven cities." }));
      const events = await chat({ message: "Seven at once", tools: ["weather"] });
      const byId = new Map(data<ToolEvent>(events, "tool").map((event) => [event.id, event]));
      assert.equal(byId.size, 7);
      assert.equal(byId.get("call_m6")?.error?.code, "too_many_calls");
      assert.equal([...byId.values()].filter((event) => event.result !== undefined).length, 6);
      assert.equal(tools.requests.length, 6, "the seventh never reached the tool server");
      assert.equal(events.at(-1)?.event, "done");
    });

    test("a tool the gateway does not offer is refused with 400 before anything is stored", async () => {
      mock.reset();
      const before = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=100`));
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi", tools: ["weather", "launch_rockets"] });
      assert.equal(response.status, 400);
      const body = await jsonOf<ErrorBody>(response);
      assert.equal(body.error.code, "invalid_request");
      assert.equal(body.error.param, "tools");
      assert.match(body.error.message, /"launch_rockets"/);
      assert.equal(mock.requests.length, 0);
      const after = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=100`));
      assert.equal(after.data.length, before.data.length);
    });

    test("tools: true offers every enabled tool, built-ins first; without tools none is offered", async () => {
      mock.reset();
      mock.script = () => ({ text: "ok" });
      await chat({ message: "all of them", tools: true });
      await chat({ message: "none of them" });
      assert.deepEqual(offeredToolsOf(mock.requests[0]), [
        "search_documents",
        "get_session_history",
        "weather",
        "weather_get",
        "hanging",
        "failing",
        "oversized",
        "bounced_home",
        "bounced_away",
        "texty",
      ]);
      assert.equal(mock.requests[1]?.body.tools, undefined);
    });

    test("get_session_history returns the session's own earlier messages", async () => {
      mock.reset();
      mock.script = () => ({ text: "Noted: blue." });
      const first = await chat({ message: "My favourite colour is blue." });
      const sessionId = data<{ sessionId: string }>(first, "meta")[0]?.sessionId;
      await chat({ message: "Something unrelated in another session." });

      mock.reset();
      mock.script = toolConversation([{ id: "call_g1", name: "get_session_history", arguments: '{"limit":5}' }], () => ({ text: "Blue." }));
      const events = await chat({ message: "What did I say my colour was?", sessionId, tools: ["get_session_history"] });
      const [tool] = data<ToolEvent>(events, "tool");
      const history = tool?.result as Array<{ role: string; content: string; createdAt: string }>;
      assert.deepEqual(
        history.map((m) => [m.role, m.content]),
        [
          ["user", "My favourite colour is blue."],
          ["assistant", "Noted: blue."],
          ["user", "What did I say my colour was?"],
        ],
      );
      assert.match(history[0]?.createdAt ?? "", /^\d{4}-\d{2}-\d{2}T/);
    });

    test("http tool answers in one step run in parallel: errors, limits and redirects each end their own call", async () => {
      mock.reset();
      tools.requests = [];
      const city = '{"city":"Oslo"}';
      const calls = [
        { id: "call_p1", name: "failing", arguments: city },
        { id: "call_p2", name: "oversized", arguments: city },
        { id: "call_p3", name: "bounced_home", arguments: city },
        { id: "call_p4", name: "bounced_away", arguments: city },
        { id: "call_p5", name: "weather_get", arguments: city },
        { id: "call_p6", name: "texty", arguments: city },
      ];
      mock.script = toolConversation(calls, () => ({ text: "Done." }));
      const events = await chat({ message: "Everything at once", tools: calls.map((c) => c.name) });
      const byId = new Map(data<ToolEvent>(events, "tool").map((event) => [event.id, event]));
      assert.equal(byId.size, 6);
      assert.equal(byId.get("call_p1")?.error?.code, "failed");
      assert.match(byId.get("call_p1")?.error?.message ?? "", /answered 500: .*the weather service is down/);
      assert.match(byId.get("call_p2")?.error?.message ?? "", /larger than 4096 bytes/);
      assert.deepEqual(byId.get("call_p3")?.result, { city: "Bergen", forecast: "sunny", celsius: 21 }, "a redirect within the origin is followed");
      assert.match(byId.get("call_p4")?.error?.message ?? "", /redirected to another host/);
      assert.deepEqual(byId.get("call_p5")?.result, { city: "Oslo", forecast: "sunny", celsius: 21 });
      assert.equal(byId.get("call_p6")?.result, "plain words");
      const get = tools.requests.find((r) => r.method === "GET" && r.query.city === "Oslo");
      assert.ok(get, "GET tools send their arguments as query parameters");
      assert.equal(get.body, "");
      // The redirect home went out as a GET (after a POST, as browsers do).
      assert.ok(tools.requests.some((r) => r.method === "GET" && r.path === "/weather" && r.query.city === "Bergen"));
      assert.equal(events.at(-1)?.event, "done");
      assert.equal(toolMessagesOf(mock.requests[1]).find((m) => m.tool_call_id === "call_p6")?.content, "plain words");
    });
  });
}
