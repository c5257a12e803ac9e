/**
 * A gateway configuration for server-tool tests: one OpenAI-type engine on the mock upstream, API keys, a route
 * `agent` with every server tool and a route `plain` without, and the test MCP server's `echo` and `weather` as
 * the `up__*` tools.
 */
import { ADMIN_KEY } from "../auth/authGateway.js";
import type { MockUpstream } from "./mockUpstream.js";
import { openAIEngine } from "./startGateway.js";
import type { TestMcpServer } from "./startMcpServer.js";

export function serverToolsConfig(mock: MockUpstream, mcp: TestMcpServer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engines: [openAIEngine("vllm", mock.url)],
    auth: { mode: "keys", adminKey: ADMIN_KEY },
    rateLimits: { enabled: false },
    routes: [
      { name: "agent", targets: ["vllm/mock-model"], serverTools: true },
      { name: "plain", targets: ["vllm/mock-model"] },
    ],
    tools: { maxSteps: 3, timeoutMs: 5000, mcp: [{ name: "up", transport: "http", url: `${mcp.url}/mcp`, tools: ["echo", "weather"] }] },
    ...extra,
  };
}
