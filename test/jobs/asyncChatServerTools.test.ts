/**
 * Queued chat jobs on a route with `serverTools`: the job runs the same server-tool loop as a direct request (a
 * real MCP server on loopback), so its result is the final answer with the usage of every engine call, and each
 * engine call is a ledger row of the job. A job on a route without the feature gets the model's call unrun, and
 * a job the loop would refuse (its tool named like a server tool) is refused when it is submitted.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { startServerToolsStack, type ServerToolsStack } from "../support/startServerToolsStack.js";
import type { TestMcpServer } from "../support/startMcpServer.js";
import { toolConversation, toolMessagesOf } from "../support/toolConversation.js";
import { eventually } from "../support/eventually.js";
import { call } from "../auth/authGateway.js";

interface JobView {
  status: "queued" | "running" | "completed" | "failed";
  traceId?: string;
  result?: {
    choices: Array<{ message: { content: string | null; tool_calls?: Array<{ function: { name: string } }> }; finish_reason: string }>;
    usage?: { prompt_tokens: number; completion_tokens: number };
  };
  error?: { code: string; message: string };
}

const weatherCall = { id: "c1", name: "up__weather", arguments: '{"city":"Oslo"}' };

describe("queued chat jobs with server tools", () => {
  let stack: ServerToolsStack | undefined;
  let mock: MockUpstream;
  let mcp: TestMcpServer;
  let gateway: TestGateway;
  let key = "";

  before(async () => {
    stack = await startServerToolsStack("jobs-user", () => ({ jobs: { concurrency: 1, closeGraceMs: 100 } }));
    ({ mock, mcp, gateway, key } = stack);
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => mock.reset());

  const runJob = async (model: string, extra: Record<string, unknown> = {}): Promise<JobView> => {
    const submitted = await call(gateway, "POST", "/api/v2/chat/jobs", { token: key, body: { model, messages: [{ role: "user", content: "Weather in Oslo?" }], ...extra } });
    assert.equal(submitted.status, 202, await submitted.clone().text());
    const { id } = (await submitted.json()) as { id: string };
    return eventually(async () => {
      const view = (await (await call(gateway, "GET", `/api/v2/chat/jobs/${id}`, { token: key })).json()) as JobView;
      return view.status === "completed" || view.status === "failed" ? view : undefined;
    }, 15_000, `job ${id} to settle`);
  };

  test("the job runs the MCP tool and completes with the final answer and the usage of both engine calls", async () => {
    mock.script = toolConversation([weatherCall], (results) => ({ text: `Forecast: ${results.get("c1")}`, usage: { prompt_tokens: 20, completion_tokens: 6 } }));
    const job = await runJob("agent");

    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(mock.requests.length, 2, "two engine calls");
    const [result] = toolMessagesOf(mock.requests[1]);
    assert.deepEqual(JSON.parse(result?.content ?? ""), { city: "Oslo", forecast: "sunny", celsius: 21 });
    assert.deepEqual(mcp.calls.at(-1), { name: "weather", arguments: { city: "Oslo" } });
    const choice = job.result?.choices[0];
    assert.equal(choice?.message.content, `Forecast: ${result?.content}`);
    assert.equal(choice?.message.tool_calls, undefined, "the server call is not shown");
    assert.equal(choice?.finish_reason, "stop");
    assert.deepEqual(job.result?.usage && [job.result.usage.prompt_tokens, job.result.usage.completion_tokens], [30, 9]);

    const rows = await eventually(async () => {
      const page = (await (await call(gateway, "GET", "/api/v2/usage?limit=100", { token: key })).json()) as { data: Array<{ route: string | null; status: string }> };
      const agent = page.data.filter((row) => row.route === "agent");
      return agent.length >= 2 ? agent : undefined;
    }, 5000, "a ledger row per engine call");
    assert.ok(rows.every((row) => row.status === "complete"));
  });

  test("a job on a route without serverTools gets the model's call as it was, unrun", async () => {
    mock.script = () => ({ toolCalls: [weatherCall], usage: { prompt_tokens: 5, completion_tokens: 2 } });
    const calls = mcp.calls.length;
    const job = await runJob("plain");

    assert.equal(job.status, "completed");
    assert.equal(mock.requests.length, 1);
    assert.equal(job.result?.choices[0]?.finish_reason, "tool_calls");
    assert.equal(job.result?.choices[0]?.message.tool_calls?.[0]?.function.name, "up__weather");
    assert.equal(mcp.calls.length, calls, "the MCP server was not called");
  });

  test("a job whose own tool is named like a server tool is refused at submission (400 invalid_request); on a plain route it is queued", async () => {
    const clash = { type: "function", function: { name: "up__weather", parameters: { type: "object", properties: {} } } };
    const response = await call(gateway, "POST", "/api/v2/chat/jobs", { token: key, body: { model: "agent", messages: [{ role: "user", content: "hi" }], tools: [clash] } });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string; param?: string } };
    assert.equal(body.error.code, "invalid_request");
    assert.equal(body.error.param, "tools");
    assert.match(body.error.message, /up__weather/);
    // The same tool on a route without server tools is the client's own, and queued as ever.
    const plain = await call(gateway, "POST", "/api/v2/chat/jobs", { token: key, body: { model: "plain", messages: [{ role: "user", content: "hi" }], tools: [clash] } });
    assert.equal(plain.status, 202);
    const { id } = (await plain.json()) as { id: string };
    await eventually(async () => {
      const view = (await (await call(gateway, "GET", `/api/v2/chat/jobs/${id}`, { token: key })).json()) as JobView;
      return view.status === "completed" ? view : undefined;
    }, 15_000, "the plain route's job to complete");
  });
});
