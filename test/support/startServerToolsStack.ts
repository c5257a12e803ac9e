/**
 * What a server-tool test runs against: the mock upstream as the model, the test MCP server, a gateway with
 * serverToolsConfig (plus the test's own sections, which may point at the MCP server) and a user key.
 */
import { createKey } from "../auth/authGateway.js";
import { startMockUpstream, type MockUpstream } from "./mockUpstream.js";
import { serverToolsConfig } from "./serverToolsConfig.js";
import { startGateway, type TestGateway } from "./startGateway.js";
import { startMcpServer, type TestMcpServer } from "./startMcpServer.js";

export interface ServerToolsStack {
  mock: MockUpstream;
  mcp: TestMcpServer;
  gateway: TestGateway;
  /** A user-role key of the user named like the stack. */
  key: string;
  stop(): Promise<void>;
}

export async function startServerToolsStack(user: string, extra: (mcp: TestMcpServer) => Record<string, unknown> = () => ({})): Promise<ServerToolsStack> {
  const mock = await startMockUpstream();
  const mcp = await startMcpServer();
  const gateway = await startGateway(serverToolsConfig(mock, mcp, extra(mcp)));
  const key = (await createKey(gateway, { name: user, userId: user, role: "user" })).key;
  return {
    mock,
    mcp,
    gateway,
    key,
    async stop() {
      await gateway.stop();
      await mcp.close();
      await mock.close();
    },
  };
}
