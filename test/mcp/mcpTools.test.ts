/**
 * MCP servers as session tools, over real HTTP: a Streamable HTTP server on loopback and a stdio child, both
 * written with the SDK, offered as `<server>__<tool>` and called in turns the mock upstream plays as a model. The
 * ways a server lets a turn down are each checked to end as a tool error while the turn completes: a tool that
 * never answers, one that reports an error or throws, one that sends too much, a server that is down, one that
 * hangs while connecting or listing, a child that exits, and a server that forgot its session.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { captureLogs } from "../support/captureLogs.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse, type SseEvent } from "../support/readSse.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { MCP_FIXTURE_TOOLS, startMcpServer, type TestMcpServer } from "../support/startMcpServer.js";
import { offeredToolsOf, toolConversation, toolMessagesOf } from "../support/toolConversation.js";
import { eventually } from "../support/eventually.js";

const STDIO_SCRIPT = fileURLToPath(new URL("../support/mcpStdioServer.js", import.meta.url));
const MCP_SECRET = "mcp-upstream-secret-0123456789";
const STDIO_SECRET = "stdio-env-secret-0123456789";

interface ToolEvent {
  id: string;
  name: string;
  result?: unknown;
  error?: { code: string; message: string };
  durationMs: number;
}

const data = <T>(events: SseEvent[], name: string) => events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as T);
const toolEvents = (events: SseEvent[]) => new Map(data<ToolEvent>(events, "tool").map((event) => [event.id, event]));
const finishOf = (events: SseEvent[]) => data<{ finishReason: string | null }>(events, "done")[0]?.finishReason;

/** A loopback port nothing listens on (any more). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("MCP servers as session tools", () => {
  let mock: MockUpstream;
  let fixture: TestMcpServer;
  let gateway: TestGateway;
  const captured = captureLogs();
  const logs = captured.chunks;
  const logLines = captured.lines;

  before(async () => {
    mock = await startMockUpstream();
    fixture = await startMcpServer();
    const downPort = await closedPort();
    gateway = await startGateway(
      {
        engines: [openAIEngine("vllm", mock.url)],
        tools: {
          builtins: ["search_documents"],
          timeoutMs: 5000,
          maxCallsPerStep: 8,
          mcp: [
            { name: "up", transport: "http", url: `${fixture.url}/mcp`, headers: { authorization: `Bearer ${MCP_SECRET}` }, maxResultBytes: 4096 },
            { name: "slowpoke", transport: "http", url: `${fixture.url}/mcp`, tools: ["slow", "echo"], timeoutMs: 300 },
            { name: "hung", transport: "http", url: `${fixture.url}/hang`, timeoutMs: 300 },
            { name: "mute", transport: "http", url: `${fixture.url}/nolist`, timeoutMs: 300 },
            { name: "down", transport: "http", url: `http://127.0.0.1:${downPort}/mcp`, timeoutMs: 2000 },
            { name: "local", transport: "stdio", command: process.execPath, args: [STDIO_SCRIPT], env: { FIXTURE_TOKEN: STDIO_SECRET } },
          ],
        },
      },
      {
        logLevel: "info",
        logDestination: captured.destination,
      },
    );
  });
  after(async () => {
    await gateway?.stop();
    await fixture?.close();
    await mock?.close();
  });

  const chat = async (body: Record<string, unknown>) => {
    const response = await postJson(`${gateway.url}/api/v2/chat/stream`, body);
    assert.equal(response.status, 200, await response.clone().text());
    return readSse(response);
  };

  test("named MCP tools are offered with their servers' schemas and called in a turn, over HTTP and stdio", async () => {
    mock.reset();
    mock.script = toolConversation(
      [
        { id: "c1", name: "up__weather", arguments: '{"city":"Oslo"}' },
        { id: "c2", name: "local__add", arguments: '{"a":2,"b":3}' },
        { id: "c3", name: "up__echo", arguments: '{"text":"hi"}' },
        { id: "c4", name: "local__env", arguments: "" },
      ],
      (results) => ({ text: `The sum is ${results.get("c2")}.` }),
    );
    const events = await chat({ message: "Go", tools: ["up__weather", "local__add", "up__echo", "local__env"] });

    assert.equal(finishOf(events), "stop");
    assert.deepEqual(offeredToolsOf(mock.requests[0]), ["up__weather", "local__add", "up__echo", "local__env"]);
    const definitions = (mock.requests[0]?.body.tools ?? []) as Array<{ function: { name: string; description: string; parameters: unknown } }>;
    const weather = definitions.find((tool) => tool.function.name === "up__weather");
    assert.equal(weather?.function.description, "The weather in a city.");
    assert.deepEqual(weather?.function.parameters, MCP_FIXTURE_TOOLS.find((tool) => tool.name === "weather")?.inputSchema);

    const byId = toolEvents(events);
    assert.deepEqual(byId.get("c1")?.result, { city: "Oslo", forecast: "sunny", celsius: 21 }, "structured content");
    assert.deepEqual(byId.get("c2")?.result, { sum: 5 }, "structured content, checked by the client against the output schema");
    assert.equal(byId.get("c3")?.result, "echo: hi", "text content");
    assert.equal(byId.get("c4")?.result, STDIO_SECRET, "the configured env reached the child");
    const results = new Map(toolMessagesOf(mock.requests[1]).map((message) => [message.tool_call_id, message.content]));
    assert.equal(results.get("c3"), "echo: hi");
    assert.deepEqual(JSON.parse(results.get("c1") ?? ""), { city: "Oslo", forecast: "sunny", celsius: 21 });

    // The server got the call under its own name, and the configured header.
    assert.deepEqual(fixture.calls.find((call) => call.name === "weather")?.arguments, { city: "Oslo" });
    assert.ok(fixture.requests.some((request) => request.headers.authorization === `Bearer ${MCP_SECRET}`));
    await eventually(() => logs.length > 0, 2000, "log lines");
    assert.ok(!logs.join("").includes(MCP_SECRET) && !logs.join("").includes(STDIO_SECRET), "secrets never reach the log");
  });

  test("tools: true offers what every reachable server lists, allow-listed and renamed to fit; down and hung servers cost their tools, not the turn", async () => {
    mock.reset();
    const events = await chat({ message: "Hi", tools: true });
    assert.equal(finishOf(events), "stop");
    const offered = offeredToolsOf(mock.requests[0]);
    for (const name of ["search_documents", "up__echo", "up__weather", "up__slow", "up__dotted_name", "slowpoke__slow", "slowpoke__echo", "local__add", "local__crash"]) {
      assert.ok(offered.includes(name), `${name} is offered (offered: ${offered.join(", ")})`);
    }
    assert.ok(!offered.includes("slowpoke__weather"), "the allow-list leaves the rest out");
    assert.ok(!offered.some((name) => /^(down|hung|mute)__/.test(name)), "servers that cannot be listed offer nothing");
    assert.ok(offered.every((name) => /^[A-Za-z0-9_-]{1,64}$/.test(name)));

    await eventually(() => {
      const lines = logLines();
      const connecting = lines.filter((line) => line.msg === "connecting to an MCP server failed").map((line) => line.mcpServer);
      const listing = lines.filter((line) => line.msg === "listing an MCP server's tools failed").map((line) => line.mcpServer);
      return connecting.includes("down") && connecting.includes("hung") && listing.includes("mute");
    }, 3000, "a warning per server that could not be reached or listed");

    // Within a few seconds of that, a server that failed is not tried (and waited for) again.
    const triedAgain = () =>
      fixture.requests.filter((request) => (request.path === "/hang" || request.path === "/nolist") && request.rpc.some((method) => method === "initialize" || method === "tools/list")).length;
    const tried = triedAgain();
    mock.reset();
    assert.equal(finishOf(await chat({ message: "Again", tools: true })), "stop");
    assert.equal(triedAgain(), tried, "the second turn asked neither the hung nor the mute server");
  });

  test("a tool that never answers ends with a timeout error at its server's timeoutMs, the server hears it was cancelled, and the turn completes", async () => {
    mock.reset();
    mock.script = toolConversation([{ id: "s1", name: "slowpoke__slow", arguments: "{}" }], () => ({ text: "It gave up." }));
    const events = await chat({ message: "Wait", tools: ["slowpoke__slow"] });
    const slow = toolEvents(events).get("s1");
    assert.equal(slow?.error?.code, "timeout");
    assert.match(slow?.error?.message ?? "", /within 300 ms/);
    assert.ok((slow?.durationMs ?? Infinity) < 3000);
    assert.equal(finishOf(events), "stop");
    await eventually(() => fixture.cancelled >= 1, 3000, "the server's cancellation");
  });

  test("a result marked isError and a tool that throws are tool errors the model reads; the turn completes", async () => {
    mock.reset();
    mock.script = toolConversation(
      [
        { id: "b1", name: "up__broken", arguments: "{}" },
        { id: "t1", name: "up__thrower", arguments: "{}" },
      ],
      () => ({ text: "Both failed." }),
    );
    const events = await chat({ message: "Try", tools: ["up__broken", "up__thrower"] });
    const byId = toolEvents(events);
    assert.deepEqual(byId.get("b1")?.error, { code: "failed", message: "the weather service is down" });
    assert.equal(byId.get("t1")?.error?.code, "failed");
    assert.match(byId.get("t1")?.error?.message ?? "", /the MCP server "up" answered with an error: .*kaboom/);
    const results = new Map(toolMessagesOf(mock.requests[1]).map((message) => [message.tool_call_id, JSON.parse(message.content ?? "{}") as { error?: string }]));
    assert.equal(results.get("b1")?.error, "the weather service is down");
    assert.equal(finishOf(events), "stop");
  });

  test("a result beyond maxResultBytes is a tool error, and a flood is cut off in the transport, also as a tool error", async () => {
    mock.reset();
    mock.script = toolConversation(
      [
        { id: "h1", name: "up__huge", arguments: "{}" },
        { id: "f1", name: "up__flood", arguments: "{}" },
      ],
      () => ({ text: "Too much." }),
    );
    const events = await chat({ message: "Big", tools: ["up__huge", "up__flood"] });
    const byId = toolEvents(events);
    assert.deepEqual(byId.get("h1")?.error, { code: "failed", message: "the tool's result is larger than 4096 bytes" });
    assert.equal(byId.get("f1")?.error?.code, "failed");
    assert.match(byId.get("f1")?.error?.message ?? "", /sent a message larger than \d+ bytes/);
    assert.ok((byId.get("f1")?.durationMs ?? Infinity) < 4000, "cut off, not left to the timeout");
    assert.equal(finishOf(events), "stop");

    // The connection the flood closed is opened again.
    mock.script = toolConversation([{ id: "e1", name: "up__echo", arguments: '{"text":"again"}' }], () => ({ text: "Fine." }));
    assert.equal(toolEvents(await chat({ message: "Again", tools: ["up__echo"] })).get("e1")?.result, "echo: again");
  });

  test("a tool of a server that is down, or hangs while connecting or listing, is still offered when named; calling it is a tool error", async () => {
    mock.reset();
    mock.script = toolConversation(
      [
        { id: "d1", name: "down__lookup", arguments: '{"q":"x"}' },
        { id: "g1", name: "hung__lookup", arguments: "{}" },
        { id: "m1", name: "mute__echo", arguments: '{"text":"x"}' },
      ],
      () => ({ text: "Unavailable." }),
    );
    const events = await chat({ message: "Look", tools: ["down__lookup", "hung__lookup", "mute__echo"] });
    assert.deepEqual(offeredToolsOf(mock.requests[0]), ["down__lookup", "hung__lookup", "mute__echo"]);
    const byId = toolEvents(events);
    assert.equal(byId.get("d1")?.error?.code, "failed");
    assert.match(byId.get("d1")?.error?.message ?? "", /the MCP server "down" is unreachable \(ECONNREFUSED\)/);
    assert.ok(!(byId.get("d1")?.error?.message ?? "").includes("127.0.0.1"), "the message names the server, not its address");
    assert.equal(byId.get("g1")?.error?.code, "timeout");
    assert.match(byId.get("g1")?.error?.message ?? "", /within 300 ms/);
    assert.equal(byId.get("m1")?.error?.code, "timeout", "a listing that never ends ends with the call's timeout");
    assert.equal(finishOf(events), "stop");
  });

  test("a tool the server does not list is refused before the turn (400), naming it", async () => {
    const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Hi", tools: ["up__nope"] });
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, "invalid_request");
    assert.equal(body.error.param, "tools");
    assert.match(body.error.message, /the MCP server "up" offers no tool "up__nope"/);
  });

  test("a server that says its tool list changed is listed again", async () => {
    mock.reset();
    mock.script = toolConversation([{ id: "g1", name: "local__grow", arguments: "" }], () => ({ text: "Grown." }));
    assert.equal(toolEvents(await chat({ message: "Grow", tools: ["local__grow"] })).get("g1")?.result, "grown");
    mock.reset();
    await chat({ message: "Hi", tools: true });
    assert.ok(offeredToolsOf(mock.requests[0]).includes("local__extra"));
  });

  test("a stdio child that exits mid-call is a tool error; the next call starts a new child", async () => {
    mock.reset();
    mock.script = toolConversation([{ id: "p1", name: "local__pid", arguments: "" }], () => ({ text: "." }));
    const before = Number(toolEvents(await chat({ message: "pid", tools: ["local__pid"] })).get("p1")?.result);
    assert.ok(before > 0);

    mock.script = toolConversation([{ id: "x1", name: "local__crash", arguments: "" }], () => ({ text: "It crashed." }));
    const crashed = await chat({ message: "crash", tools: ["local__crash"] });
    assert.equal(toolEvents(crashed).get("x1")?.error?.code, "failed");
    assert.match(toolEvents(crashed).get("x1")?.error?.message ?? "", /the MCP server "local" closed the connection/);
    assert.equal(finishOf(crashed), "stop");
    const closed = await eventually(() => logLines().find((line) => line.msg === "MCP server connection closed" && line.mcpServer === "local"), 3000, "the warning");
    assert.match(String(closed.stderr), /about to crash/, "with the child's last words");

    mock.script = toolConversation([{ id: "p2", name: "local__pid", arguments: "" }], () => ({ text: "." }));
    const after = Number(toolEvents(await chat({ message: "pid", tools: ["local__pid"] })).get("p2")?.result);
    assert.ok(after > 0 && after !== before, `a new child (${before} → ${after})`);
  });

  test("a call to a server that forgot its session (restarted) is sent again on a new one", async () => {
    mock.reset();
    mock.script = toolConversation([{ id: "e1", name: "up__echo", arguments: '{"text":"one"}' }], () => ({ text: "." }));
    assert.equal(toolEvents(await chat({ message: "1", tools: ["up__echo"] })).get("e1")?.result, "echo: one");
    fixture.forgetSessions();
    mock.script = toolConversation([{ id: "e2", name: "up__echo", arguments: '{"text":"two"}' }], () => ({ text: "." }));
    assert.equal(toolEvents(await chat({ message: "2", tools: ["up__echo"] })).get("e2")?.result, "echo: two");
  });
});
