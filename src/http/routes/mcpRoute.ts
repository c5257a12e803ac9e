/**
 * `POST /mcp`: the gateway as an MCP server over Streamable HTTP, stateless and answering JSON (no session, no
 * event stream): each request gets its own SDK server and transport, for the caller the route authenticated.
 * The SDK's web-standard transport (the one its Node transport wraps) takes the body Fastify parsed and answers
 * with a Response, which goes out through the reply, so the gateway's headers, compression and access line apply.
 * Bad input is refused in the gateway's envelope like on every other route: a body that is not JSON-RPC, and
 * whatever else the transport refuses. An Accept header without `text/event-stream` is taken as it is meant:
 * the answer is JSON anyway. GET (an event stream) and DELETE (a session) answer 405, as the spec allows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { createMcpGatewayServer } from "../../mcp/createMcpGatewayServer.js";
import type { ToolCallObservers } from "../../observability/observeToolCall.js";
import type { Toolbox } from "../../tools/createToolbox.js";
import type { RequestSignals } from "../requestSignals.js";

/** Messages in one batch at most (the SDK's own limit). */
const MAX_BATCH = 100;

const postSchema = {
  tags: ["mcp"],
  summary: "MCP (Streamable HTTP, stateless)",
  description:
    "JSON-RPC 2.0 messages of the Model Context Protocol: `initialize`, `tools/list` (the tools your credential may use: " +
    "the MCP servers' tools as `<server>__<tool>`, the http tools and the built-ins that need no session) and `tools/call`. " +
    "Answers JSON (202 without a body for notifications alone); no session id is issued.",
  body: { type: ["object", "array"], description: "A JSON-RPC 2.0 message, or a list of them" },
};
const streamSchema = { tags: ["mcp"], summary: "MCP event stream (not offered)", description: "Answers 405: the endpoint is stateless and answers every POST with JSON." };
const deleteSchema = { tags: ["mcp"], summary: "End an MCP session (not offered)", description: "Answers 405: the endpoint issues no sessions." };

export interface McpRouteDeps {
  tools: Toolbox;
  signals: RequestSignals;
  observers: ToolCallObservers;
  logger: Logger;
}

export function mcpRoute(app: FastifyInstance, deps: McpRouteDeps): void {
  app.post("/mcp", { config: { policy: "user" }, schema: postSchema }, async (request, reply) => {
    checkMessages(request.body);
    const signal = deps.signals.signalFor(request.raw, reply.raw);
    const server = createMcpGatewayServer({ tools: deps.tools, principal: request.principal, signal, observers: deps.observers, logger: deps.logger });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(webRequestOf(request), { parsedBody: request.body });
      const text = await response.text();
      // The request deadline may have answered meanwhile.
      if (reply.sent) return reply;
      if (response.status >= 400) throw refusal(response.status, text);
      reply.code(response.status);
      if (text === "") return reply.send();
      return reply.type(response.headers.get("content-type") ?? "application/json").send(text);
    } finally {
      await server.close();
    }
  });
  const notOffered = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header("allow", "POST");
    throw new GatewayError("invalid_request", "this MCP endpoint is stateless: it takes JSON-RPC messages by POST and offers no event stream or session", { status: 405 });
  };
  app.get("/mcp", { config: { policy: "user" }, schema: streamSchema }, notOffered);
  app.delete("/mcp", { config: { policy: "user" }, schema: deleteSchema }, notOffered);
}

/** A JSON-RPC message or a batch of them, or a 400 saying what is wrong. */
function checkMessages(body: unknown): void {
  const what = 'the body must be a JSON-RPC 2.0 message (e.g. {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}) or a list of them';
  if (body === undefined || body === null) throw new GatewayError("invalid_request", what);
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0) throw new GatewayError("invalid_request", `${what}; the list is empty`);
  if (messages.length > MAX_BATCH) throw new GatewayError("invalid_request", `at most ${MAX_BATCH} messages in one request`);
  const bad = messages.findIndex((message) => !JSONRPCMessageSchema.safeParse(message).success);
  if (bad !== -1) throw new GatewayError("invalid_request", Array.isArray(body) ? `${what}; message ${bad} is not` : what);
}

/** What the transport reads of the request: the body is passed parsed, the answer is JSON whatever Accept says. */
function webRequestOf(request: FastifyRequest): Request {
  const headers = new Headers({ accept: "application/json, text/event-stream", "content-type": "application/json" });
  const version = request.headers["mcp-protocol-version"];
  if (typeof version === "string") headers.set("mcp-protocol-version", version);
  return new Request(new URL(request.url, "http://gateway.invalid"), { method: "POST", headers });
}

/** The transport's own refusal (a JSON-RPC error with an HTTP status), in the gateway's envelope. */
function refusal(status: number, text: string): GatewayError {
  let message = "the MCP request was refused";
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
  } catch {
    // Not JSON: the generic message stands.
  }
  if (status >= 500) return new GatewayError("internal_error", "the MCP request failed");
  return new GatewayError("invalid_request", message);
}
