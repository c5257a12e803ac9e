/**
 * Server tools on the OpenAI API, over real HTTP: routes with `serverTools` offer the gateway's tools (a real MCP
 * server on loopback, `http` tools calling a real HTTP server, search_documents) beside the client's, and the
 * gateway runs the calls the mock upstream makes as a model, then asks it again. Checked: what the upstream
 * receives at each step, what the client is sent (streamed and not), the bounds, who is offered what, failures
 * that become tool results, the routes without the feature, the ledger rows, and the official `openai` client.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startMockUpstream, type MockScript, type MockToolCall, type RecordedRequest } from "../support/mockUpstream.js";
import type { MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, readSseUntil } from "../support/readSse.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";
import { startMcpServer, type TestMcpServer } from "../support/startMcpServer.js";
import { startToolServer, type ToolServer } from "../support/startToolServer.js";
import { alwaysCalling, assistantCallsOf, messagesOf, offeredToolsOf, toolConversation, toolMessagesOf } from "../support/toolConversation.js";
import { eventually } from "../support/eventually.js";
import { ADMIN_KEY, createKey } from "../auth/authGateway.js";
import type { UsageList } from "./usageTypes.js";

interface Completion {
  id: string;
  model: string;
  choices: Array<{
    message: { role: string; content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }> };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

interface Chunk {
  id: string;
  model: string;
  choices: Array<{
    delta: { role?: string; content?: string; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const weatherParameters = { type: "object", properties: { city: { type: "string", minLength: 1 } }, required: ["city"], additionalProperties: false };
/** A tool the client runs itself. */
const clientTool = { type: "function", function: { name: "get_time", description: "The time in a city.", parameters: weatherParameters } };
const user = (content: string) => [{ role: "user", content }];
const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion });

/** Asks for each list of calls in turn, one list per request, then answers with `answer`. */
function callsInTurn(steps: MockToolCall[][], answer: MockScript): (request: RecordedRequest) => MockScript {
  return (request) => {
    const answered = toolMessagesOf(request).length;
    let seen = 0;
    for (const calls of steps) {
      if (answered <= seen) return { toolCalls: calls, usage: usage(10, 3) };
      seen += calls.length;
    }
    return answer;
  };
}

describe("server tools on /v1/chat/completions", () => {
  let mock: MockUpstream;
  let mcp: TestMcpServer;
  let toolServer: ToolServer;
  let gateway: TestGateway;
  let userKey = "";

  before(async () => {
    mock = await startMockUpstream();
    mcp = await startMcpServer();
    toolServer = await startToolServer();
    const http = (name: string, path: string) => ({ name, description: `The ${name} tool`, parameters: weatherParameters, url: `${toolServer.url}${path}` });
    gateway = await startGateway({
      engines: [openAIEngine("vllm", mock.url)],
      auth: { mode: "keys", adminKey: ADMIN_KEY },
      rateLimits: { enabled: false },
      routes: [
        { name: "agent", targets: ["vllm/mock-model"], serverTools: true },
        { name: "picked", targets: ["vllm/mock-model"], serverTools: ["weather", "up__echo", "staff__echo"] },
        { name: "misnamed", targets: ["vllm/mock-model"], serverTools: ["open__nosuch"] },
        { name: "plain", targets: ["vllm/mock-model"] },
      ],
      tools: {
        maxSteps: 3,
        timeoutMs: 5000,
        builtins: ["search_documents"],
        http: [http("weather", "/weather"), http("failing", "/fail")],
        mcp: [
          { name: "up", transport: "http", url: `${mcp.url}/mcp`, tools: ["echo", "weather", "broken", "slow"] },
          { name: "staff", transport: "http", url: `${mcp.url}/mcp`, tools: ["echo"], access: { roles: ["admin"] } },
          // No allow-list: which names exist is known only once the server is asked.
          { name: "open", transport: "http", url: `${mcp.url}/mcp` },
        ],
      },
    });
    userKey = (await createKey(gateway, { name: "tools-user", userId: "tools-user", role: "user" })).key;
  });
  after(async () => {
    await gateway?.stop();
    await toolServer?.close();
    await mcp?.close();
    await mock?.close();
  });
  beforeEach(() => mock.reset());

  const post = (body: Record<string, unknown>, token = ADMIN_KEY) =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const complete = async (body: Record<string, unknown>, token = ADMIN_KEY) => {
    const response = await post(body, token);
    assert.equal(response.status, 200, await response.clone().text());
    return { completion: (await response.json()) as Completion, traceId: response.headers.get("x-trace-id") ?? "" };
  };
  const stream = async (body: Record<string, unknown>) => {
    const response = await post({ ...body, stream: true, stream_options: { include_usage: true } });
    assert.equal(response.status, 200, await response.clone().text());
    const events = parseSse(await response.text());
    assert.equal(events.at(-1)?.data, "[DONE]", "the stream ends with [DONE]");
    return events.slice(0, -1).map((event) => JSON.parse(event.data) as Chunk);
  };
  const ledger = async (traceId: string) => {
    const listed = await jsonOf<UsageList>(fetch(`${gateway.url}/api/v2/usage?traceId=${traceId}&limit=100`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }));
    return listed.data;
  };

  test("one tool step: the gateway runs the http tool, the upstream gets its result, the client gets the answer with the usage of both calls", async () => {
    mock.script = toolConversation([{ id: "c1", name: "weather", arguments: '{"city":"Oslo"}' }], (results) => ({ text: `Forecast: ${results.get("c1")}`, usage: usage(20, 6) }));
    const { completion, traceId } = await complete({ model: "agent", messages: user("Weather in Oslo?"), tools: [clientTool] });

    assert.equal(mock.requests.length, 2);
    const offered = offeredToolsOf(mock.requests[0]);
    assert.equal(offered[0], "get_time", "the client's tools first");
    for (const name of ["search_documents", "weather", "failing", "up__echo", "up__weather", "staff__echo"]) assert.ok(offered.includes(name), `${name} offered: ${offered.join(", ")}`);
    assert.ok(!offered.includes("get_session_history"), "no session on this API");

    // The second request holds the answer with its call and the tool's result.
    assert.deepEqual(
      messagesOf(mock.requests[1]).map((message) => message.role),
      ["user", "assistant", "tool"],
    );
    assert.deepEqual(assistantCallsOf(mock.requests[1]), [{ id: "c1", name: "weather", arguments: '{"city":"Oslo"}' }]);
    const [result] = toolMessagesOf(mock.requests[1]);
    assert.equal(result?.tool_call_id, "c1");
    assert.deepEqual(JSON.parse(result?.content ?? ""), { city: "Oslo", forecast: "sunny", celsius: 21 });
    assert.deepEqual(JSON.parse(toolServer.requests.at(-1)?.body ?? ""), { city: "Oslo" });

    const choice = completion.choices[0];
    assert.equal(choice?.message.content, `Forecast: ${result?.content}`);
    assert.equal(choice?.message.tool_calls, undefined, "the server call is not shown");
    assert.equal(choice?.finish_reason, "stop");
    assert.equal(completion.model, "vllm/mock-model");
    assert.deepEqual(completion.usage, { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 });

    // Each engine call is a request of its own in the ledger.
    const rows = await eventually(async () => {
      const found = await ledger(traceId);
      return found.length === 2 ? found : undefined;
    }, 3000, "two ledger rows");
    assert.deepEqual(rows.map((row) => [row.route, row.status, row.inputTokens, row.outputTokens]).sort(), [
      ["agent", "complete", 10, 3],
      ["agent", "complete", 20, 6],
    ]);
  });

  test("two tool steps: an MCP tool, then an http tool, each result in the next request; three engine calls, three ledger rows", async () => {
    mock.script = callsInTurn(
      [[{ id: "c1", name: "up__echo", arguments: '{"text":"hi"}' }], [{ id: "c2", name: "weather", arguments: '{"city":"Bergen"}' }]],
      { text: "Done.", usage: usage(30, 2) },
    );
    const { completion, traceId } = await complete({ model: "agent", messages: user("Go") });

    assert.equal(mock.requests.length, 3);
    assert.deepEqual(
      toolMessagesOf(mock.requests[1]).map((message) => [message.tool_call_id, message.content]),
      [["c1", "echo: hi"]],
    );
    assert.deepEqual(
      toolMessagesOf(mock.requests[2]).map((message) => message.tool_call_id),
      ["c1", "c2"],
    );
    assert.deepEqual(JSON.parse(toolMessagesOf(mock.requests[2])[1]?.content ?? ""), { city: "Bergen", forecast: "sunny", celsius: 21 });
    assert.deepEqual(mcp.calls.at(-1), { name: "echo", arguments: { text: "hi" } });
    assert.equal(completion.choices[0]?.message.content, "Done.");
    assert.deepEqual(completion.usage, { prompt_tokens: 50, completion_tokens: 8, total_tokens: 58 });
    const rows = await eventually(async () => {
      const found = await ledger(traceId);
      return found.length === 3 ? found : undefined;
    }, 3000, "three ledger rows");
    assert.ok(rows.every((row) => row.status === "complete" && row.route === "agent"));
  });

  test("streaming: the text of every step streams, the server call's deltas never show, one role, one finish, the summed usage, then [DONE]", async () => {
    mock.script = (request) =>
      toolMessagesOf(request).length === 0
        ? { text: "Let me look. ", toolCalls: [{ id: "c1", name: "up__weather", arguments: '{"city":"Oslo"}' }], usage: usage(10, 4) }
        : { text: "It is sunny in Oslo.", usage: usage(25, 5) };
    const chunks = await stream({ model: "agent", messages: user("Weather?") });

    assert.equal(mock.requests.length, 2);
    assert.equal(mock.requests[1]?.body.stream, true, "each step streams");
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Let me look. It is sunny in Oslo.");
    assert.ok(chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? "") !== "").length > 3, "streamed in pieces");
    assert.ok(!chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined), "no tool-call delta reaches the client");
    assert.equal(chunks.filter((chunk) => chunk.choices[0]?.delta.role !== undefined).length, 1, "one role chunk");
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    const finishes = chunks.filter((chunk) => (chunk.choices[0]?.finish_reason ?? null) !== null);
    assert.deepEqual(finishes.map((chunk) => chunk.choices[0]?.finish_reason), ["stop"]);
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 35, completion_tokens: 9, total_tokens: 44 });
    assert.equal(chunks.at(-2), finishes[0], "the finish comes last, before the usage");
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, "one stream, one id");
    assert.deepEqual(JSON.parse(toolMessagesOf(mock.requests[1])[0]?.content ?? ""), { city: "Oslo", forecast: "sunny", celsius: 21 });
  });

  test("a client tool passes through untouched, streamed and not; a server call beside it runs first and the client call is asked for again", async () => {
    const clientCall = { id: "call_t1", name: "get_time", arguments: '{"city":"Oslo"}' };
    mock.script = () => ({ text: "", chunks: [], toolCalls: [clientCall] });
    const { completion } = await complete({ model: "agent", messages: user("Time?"), tools: [clientTool] });
    assert.equal(mock.requests.length, 1);
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.deepEqual(completion.choices[0]?.message.tool_calls, [{ id: "call_t1", type: "function", function: { name: "get_time", arguments: '{"city":"Oslo"}' } }]);

    mock.reset();
    mock.script = () => ({ text: "Checking. ", toolCalls: [clientCall] });
    const chunks = await stream({ model: "agent", messages: user("Time?"), tools: [clientTool] });
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.equal(deltas.map((delta) => delta.function?.arguments ?? "").join(""), clientCall.arguments);
    assert.deepEqual([deltas[0]?.index, deltas[0]?.id, deltas[0]?.function?.name], [0, "call_t1", "get_time"]);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Checking. ");
    assert.deepEqual(chunks.flatMap((chunk) => (chunk.choices[0]?.finish_reason ? [chunk.choices[0].finish_reason] : [])), ["tool_calls"]);

    // Both kinds in one answer: the server call runs; the client's is answered "not run yet", asked for again, and goes out alone.
    mock.reset();
    mock.script = (request) =>
      toolMessagesOf(request).length === 0
        ? { toolCalls: [{ id: "c_echo", name: "up__echo", arguments: '{"text":"first"}' }, clientCall] }
        : { toolCalls: [{ ...clientCall, id: "call_t2" }] };
    const mixed = await complete({ model: "agent", messages: user("Both"), tools: [clientTool] });
    assert.equal(mock.requests.length, 2);
    const results = new Map(toolMessagesOf(mock.requests[1]).map((message) => [message.tool_call_id, message.content ?? ""]));
    assert.equal(results.get("c_echo"), "echo: first");
    assert.match(results.get("call_t1") ?? "", /not run yet: \\"get_time\\" runs elsewhere/);
    assert.deepEqual(
      mixed.completion.choices[0]?.message.tool_calls?.map((call) => [call.id, call.function.name]),
      [["call_t2", "get_time"]],
    );
  });

  test("a client tool named like a server tool is a 400 on param tools, before any engine call", async () => {
    const response = await post({ model: "agent", messages: user("Hi"), tools: [{ type: "function", function: { name: "weather", parameters: weatherParameters } }] });
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, "invalid_request");
    assert.equal(body.error.param, "tools");
    assert.match(body.error.message, /"weather" is a server tool of the route "agent"/);
    assert.equal(mock.requests.length, 0);
  });

  test("maxSteps bounds the loop: a model that keeps calling ends after three engine calls with finish length and no server call shown", async () => {
    mock.script = alwaysCalling("up__echo", '{"text":"again"}');
    const { completion } = await complete({ model: "agent", messages: user("Loop") });
    assert.equal(mock.requests.length, 3);
    assert.equal(completion.choices[0]?.finish_reason, "length");
    assert.equal(completion.choices[0]?.message.tool_calls, undefined);
    assert.deepEqual(completion.usage, { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 });

    mock.reset();
    mock.script = alwaysCalling("up__echo", '{"text":"again"}');
    const chunks = await stream({ model: "agent", messages: user("Loop") });
    assert.equal(mock.requests.length, 3);
    assert.ok(!chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined));
    assert.deepEqual(chunks.flatMap((chunk) => (chunk.choices[0]?.finish_reason ? [chunk.choices[0].finish_reason] : [])), ["length"]);
  });

  test("a caller an MCP server does not let in is not offered its tools, with serverTools true or naming them", async () => {
    await complete({ model: "agent", messages: user("Hi") }, userKey);
    const offered = offeredToolsOf(mock.requests[0]);
    assert.ok(offered.includes("up__echo") && offered.includes("weather"), offered.join(", "));
    assert.ok(!offered.some((name) => name.startsWith("staff__")), offered.join(", "));

    mock.reset();
    await complete({ model: "picked", messages: user("Hi") }, userKey);
    assert.deepEqual(offeredToolsOf(mock.requests[0]), ["weather", "up__echo"]);
    mock.reset();
    await complete({ model: "picked", messages: user("Hi") });
    assert.deepEqual(offeredToolsOf(mock.requests[0]), ["weather", "up__echo", "staff__echo"], "the admin may use the staff server");

    // A call the model makes anyway to a tool it was not offered is not the gateway's: it goes to the client.
    mock.reset();
    mock.script = () => ({ toolCalls: [{ id: "c_staff", name: "staff__echo", arguments: '{"text":"x"}' }] });
    const { completion } = await complete({ model: "picked", messages: user("Hi") }, userKey);
    assert.equal(mock.requests.length, 1);
    assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.function.name, "staff__echo");
  });

  test("search_documents searches as the caller: what its access level may read, in every project", async () => {
    const file = async (body: Record<string, unknown>) => {
      const response = await fetch(`${gateway.url}/api/v2/documents`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ type: "note", ...body }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    };
    const open = await file({ projectId: "zoo", title: "Otters", content: "Otters hold hands while they sleep." });
    await file({ projectId: "farm", title: "Secret otters", accessLevel: 2, content: "Otters classified-otter-fact." });
    const search = () => toolConversation([{ id: "c_s", name: "search_documents", arguments: '{"query":"otters","topK":10}' }], () => ({ text: "Found." }));
    const found = async (token: string) => {
      mock.reset();
      mock.script = search();
      await complete({ model: "agent", messages: user("Otters?") }, token);
      return (JSON.parse(toolMessagesOf(mock.requests[1])[0]?.content ?? "[]") as Array<{ documentId: string }>).map((result) => result.documentId);
    };
    assert.deepEqual(await found(userKey), [open], "a level-0 caller reads the public note only");
    assert.equal((await found(ADMIN_KEY)).length, 2, "the admin reads both projects' notes");
  });

  test("failing tools are results the model reads: an MCP error, an http 500 and unparsable arguments; the request succeeds", async () => {
    mock.script = toolConversation(
      [
        { id: "c_broken", name: "up__broken", arguments: "{}" },
        { id: "c_fail", name: "failing", arguments: '{"city":"Oslo"}' },
        { id: "c_bad", name: "weather", arguments: "{not json" },
      ],
      () => ({ text: "The tools failed." }),
    );
    const { completion } = await complete({ model: "agent", messages: user("Try") });
    assert.equal(completion.choices[0]?.message.content, "The tools failed.");
    const results = new Map(toolMessagesOf(mock.requests[1]).map((message) => [message.tool_call_id, JSON.parse(message.content ?? "") as { error: string }]));
    assert.match(results.get("c_broken")?.error ?? "", /the weather service is down/);
    assert.match(results.get("c_fail")?.error ?? "", /answered 500/);
    assert.equal(results.get("c_bad")?.error, "the arguments are not valid JSON");
  });

  test("a route without serverTools, and engine/model, behave as before: no tools added, every call goes to the client", async () => {
    for (const model of ["plain", "vllm/mock-model"]) {
      mock.reset();
      mock.script = () => ({ toolCalls: [{ id: "c1", name: "weather", arguments: '{"city":"Oslo"}' }] });
      const { completion } = await complete({ model, messages: user("Hi") });
      assert.equal(mock.requests.length, 1, model);
      assert.equal(mock.requests[0]?.body.tools, undefined, `${model}: no tools offered`);
      assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
      assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.function.name, "weather");
    }
  });

  test("a listed tool the MCP server does not have is a clear 500 naming the route, not the client's fault", async () => {
    const response = await post({ model: "misnamed", messages: user("Hi") });
    assert.equal(response.status, 500);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, "internal_error");
    assert.match(body.error.message, /the route "misnamed" lists the server tool "open__nosuch"/);
    assert.equal(mock.requests.length, 0);
  });

  test("a failure in a later step ends the open stream with an error event; the first step's text was sent", async () => {
    mock.script = (request) =>
      toolMessagesOf(request).length === 0 ? { text: "Looking. ", toolCalls: [{ id: "c1", name: "up__echo", arguments: '{"text":"x"}' }] } : { status: 400, errorMessage: "bad step" };
    const response = await post({ model: "agent", messages: user("Go"), stream: true });
    assert.equal(response.status, 200);
    const events = parseSse(await response.text());
    const last = JSON.parse(events.at(-1)?.data ?? "{}") as ErrorBody;
    assert.ok(last.error, `ends with an error event: ${events.at(-1)?.data}`);
    assert.ok(!events.some((event) => event.data === "[DONE]"));
    const text = events.slice(0, -1).map((event) => (JSON.parse(event.data) as Chunk).choices[0]?.delta.content ?? "").join("");
    assert.equal(text, "Looking. ");
  });

  test("the client leaving during a tool call cancels it and ends the loop: no further engine call", async () => {
    mock.script = () => ({ text: "Waiting. ", toolCalls: [{ id: "c_slow", name: "up__slow", arguments: "{}" }] });
    const cancelledBefore = mcp.cancelled;
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ model: "agent", messages: user("Slow"), stream: true }),
      signal: controller.signal,
    });
    const { reader } = await readSseUntil(response, (event) => event.data.includes("Waiting"));
    await eventually(() => mcp.calls.some((call) => call.name === "slow"), 3000, "the slow tool to be called");
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await eventually(() => mcp.cancelled > cancelledBefore, 3000, "the MCP server to hear the call was cancelled");
    // The first call's row is written when its stream ends; a second call would have been reserved by now.
    const rows = await eventually(async () => {
      const found = await ledger(response.headers.get("x-trace-id") ?? "");
      return found.length > 0 ? found : undefined;
    }, 3000, "the first call's ledger row");
    assert.equal(rows.length, 1, "one engine call in the ledger");
    assert.equal(mock.requests.length, 1, "no engine call after the client left");
  });

  test("the official openai client: a tool loop answered whole and streamed", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
    mock.script = toolConversation([{ id: "c1", name: "up__echo", arguments: '{"text":"sdk"}' }], (results) => ({ text: `Said ${results.get("c1")}.`, usage: usage(5, 2) }));
    const completion = await client.chat.completions.create({ model: "agent", messages: [{ role: "user", content: "Echo" }] });
    assert.equal(completion.choices[0]?.message.content, "Said echo: sdk.");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.deepEqual(completion.usage, { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 });

    mock.reset();
    mock.script = toolConversation([{ id: "c1", name: "up__echo", arguments: '{"text":"sdk"}' }], (results) => ({ text: `Said ${results.get("c1")}.`, usage: usage(5, 2) }));
    const streamed = await client.chat.completions.create({ model: "agent", messages: [{ role: "user", content: "Echo" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null | undefined;
    let total: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of streamed) {
      text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(chunk.choices[0]?.delta.tool_calls, undefined);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) total = chunk.usage;
    }
    assert.equal(text, "Said echo: sdk.");
    assert.equal(finish, "stop");
    assert.deepEqual(total, { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 });

    // The SDK's own tool runner, for the client's tool, on the same route: the gateway's tools stay out of its way.
    mock.reset();
    mock.script = (request) =>
      toolMessagesOf(request).length === 0 ? { toolCalls: [{ id: "c_time", name: "get_time", arguments: '{"city":"Oslo"}' }] } : { text: `It is ${toolMessagesOf(request)[0]?.content}.` };
    const runner = client.chat.completions.runTools({
      model: "agent",
      messages: [{ role: "user", content: "Time?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_time",
            description: "The time in a city.",
            parameters: weatherParameters,
            function: (args: { city: string }) => `noon in ${args.city}`,
            parse: (text: string) => JSON.parse(text) as { city: string },
          },
        },
      ],
    });
    assert.equal(await runner.finalContent(), "It is noon in Oslo.");
  });
});
