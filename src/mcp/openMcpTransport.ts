/**
 * The SDK transport for one configured MCP server: Streamable HTTP (its headers on every request, redirects only
 * within the origin, the SDK's default) or a child process on stdio. Neither may hand the gateway an unbounded
 * message: an HTTP answer to a POST is cut off past `messageLimit` bytes, and the stdio reader stops at it too.
 * A child's stderr is read (an unread pipe would block it) and its last lines kept for the log line that says it
 * exited.
 */
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerConfig } from "../config/toolsSchema.js";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";

/** Characters of a child's stderr kept, for the line that says it exited. */
const STDERR_TAIL = 2000;

export interface McpTransport {
  transport: Transport;
  /** The last of a stdio child's stderr (empty for HTTP). */
  stderrTail(): string;
}

/**
 * `onOversize` hears of an HTTP answer cut off: the SDK only reports it as a transport error (an answer streamed
 * as events leaves its request waiting), so the connection has to fail its requests itself.
 */
export function openMcpTransport(config: McpServerConfig, messageLimit: number, logger: Logger, onOversize: (error: GatewayError) => void): McpTransport {
  if (config.transport === "http") {
    const transport = new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: config.headers },
      fetch: boundedFetch(config.name, messageLimit, onOversize),
      // A lost notification stream is not worth retrying for: tool calls are separate POSTs.
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
    });
    return { transport, stderrTail: () => "" };
  }
  const transport = new StdioClientTransport({ command: config.command, args: config.args, env: config.env, stderr: "pipe", maxBufferSize: messageLimit });
  let tail = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    tail = (tail + text).slice(-STDERR_TAIL);
    logger.debug({ mcpServer: config.name, stderr: text.slice(0, STDERR_TAIL) }, "MCP server stderr");
  });
  return { transport, stderrTail: () => tail };
}

/** fetch, with the body of each answer to a POST (a message) failing once it passes `limit` bytes. */
function boundedFetch(server: string, limit: number, onOversize: (error: GatewayError) => void): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const response = await fetch(url, init);
    // GET is the notification stream, open for as long as the session: only answers to messages are bounded.
    // Redirects pass as they are: the SDK reads their location (and the original response's url) to follow them.
    if (init?.method !== "POST" || response.body === null || (response.status >= 300 && response.status < 400)) return response;
    let seen = 0;
    const bounded = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen <= limit) return controller.enqueue(chunk);
          const error = new GatewayError("upstream_error", `the MCP server "${server}" sent a message larger than ${limit} bytes`);
          controller.error(error);
          onOversize(error);
        },
      }),
    );
    return new Response(bounded, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
