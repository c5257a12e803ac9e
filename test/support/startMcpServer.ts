/**
 * A real MCP server on loopback over Streamable HTTP, written with the SDK's low-level Server: stateful (a session
 * per initialize, answers streamed as server-sent events), as most servers are. Its tools answer, answer with
 * structured content, never answer, report an error, throw, or send too much (or far too much); `/hang` accepts
 * requests and never answers anything (a server that hangs while connecting), and `/nolist` is the server whose
 * tools/list never answers. Every HTTP request and every tool
 * call is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, isInitializeRequest, ListToolsRequestSchema, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";

export interface McpServerCall {
  name: string;
  arguments: Record<string, unknown> | undefined;
}

export interface TestMcpServer {
  /** http://127.0.0.1:PORT; the MCP endpoint is `${url}/mcp`. */
  url: string;
  /** Every HTTP request, in order. */
  requests: Array<{ method: string; path: string; rpc: string[]; headers: IncomingMessage["headers"] }>;
  calls: McpServerCall[];
  /** Calls of `slow` the client cancelled. */
  cancelled: number;
  /** Forgets every session, as a restarted server would. */
  forgetSessions(): void;
  close(): Promise<void>;
}

const object = (properties: Record<string, object> = {}, required: string[] = []) => ({ type: "object" as const, properties, required });

export const MCP_FIXTURE_TOOLS: Tool[] = [
  { name: "echo", description: "Echoes the text back.", inputSchema: object({ text: { type: "string" } }, ["text"]) },
  { name: "weather", description: "The weather in a city.", inputSchema: object({ city: { type: "string", minLength: 1 } }, ["city"]) },
  { name: "slow", description: "Never answers.", inputSchema: object() },
  { name: "broken", description: "Always reports an error.", inputSchema: object() },
  { name: "thrower", description: "Always throws.", inputSchema: object() },
  { name: "huge", description: "Answers with 100 KB of text.", inputSchema: object() },
  { name: "flood", description: "Answers with 2 MB of text.", inputSchema: object() },
  { name: "dotted.name", description: "A name OpenAI would refuse.", inputSchema: object() },
];

export async function startMcpServer(): Promise<TestMcpServer> {
  const sockets = new Set<Socket>();
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const pendingForever = new Set<() => void>();
  const fixture: TestMcpServer = {
    url: "",
    requests: [],
    calls: [],
    cancelled: 0,
    forgetSessions: () => {
      for (const transport of sessions.values()) void transport.close().catch(() => undefined);
      sessions.clear();
    },
    close: async () => undefined,
  };

  const mcpServer = (listing: boolean): Server => {
    const server = new Server({ name: "fixture", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => (listing ? { tools: MCP_FIXTURE_TOOLS } : new Promise<never>(() => undefined)));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
      const { name } = request.params;
      const args = request.params.arguments;
      fixture.calls.push({ name, arguments: args });
      switch (name) {
        case "echo":
          return { content: [{ type: "text", text: `echo: ${String(args?.text)}` }] };
        case "weather": {
          const report = { city: String(args?.city), forecast: "sunny", celsius: 21 };
          return { content: [{ type: "text", text: JSON.stringify(report) }], structuredContent: report };
        }
        case "slow":
          await new Promise<void>((resolve) => {
            pendingForever.add(resolve);
            extra.signal.addEventListener("abort", () => {
              fixture.cancelled++;
              resolve();
            });
          });
          return { content: [{ type: "text", text: "too late" }] };
        case "broken":
          return { content: [{ type: "text", text: "the weather service is down" }], isError: true };
        case "thrower":
          throw new Error("kaboom");
        case "huge":
          return { content: [{ type: "text", text: "x".repeat(100_000) }] };
        case "flood":
          return { content: [{ type: "text", text: "y".repeat(2_000_000) }] };
        case "dotted.name":
          return { content: [{ type: "text", text: "dotted" }] };
        default:
          return { content: [{ type: "text", text: `no tool ${name}` }], isError: true };
      }
    });
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://fixture.invalid").pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    const messages: unknown[] = Array.isArray(body) ? body : body === undefined ? [] : [body];
    const rpc = messages.map((message) => {
      const method = (message as { method?: unknown }).method;
      return typeof method === "string" ? method : "(response)";
    });
    fixture.requests.push({ method: req.method ?? "", path, rpc, headers: req.headers });
    // Never answers: only the client giving up ends it.
    if (path === "/hang") return;
    if (path !== "/mcp" && path !== "/nolist") {
      res.writeHead(404).end();
      return;
    }
    const sessionId = req.headers["mcp-session-id"];
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || req.method !== "POST" || !isInitializeRequest(body)) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }));
        return;
      }
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, created) });
      transport = created;
      await mcpServer(path === "/mcp").connect(created);
    }
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  fixture.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  fixture.close = async () => {
    for (const resolve of pendingForever) resolve();
    for (const transport of sessions.values()) await transport.close().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      http.close((error) => (error ? reject(error) : resolve()));
      for (const socket of sockets) socket.destroy();
    });
  };
  return fixture;
}
