/**
 * The gateway's client of one MCP server (the SDK's Client over its transport): connected on first use, its tools
 * listed and kept, connected again after the transport failed or the server went away (a stdio child that
 * exited), and the list fetched again on a new connection or when the server says it changed
 * (`notifications/tools/list_changed`). Connecting, listing and calling each end within the server's timeout or
 * when the caller's signal fires, whatever the server does; failures are tool errors (see mcpFailure). A server
 * that could not be reached or listed is not tried again for listing for a few seconds, so a hung server holds up
 * at most one turn in that time rather than every turn; calls always try. A call refused because the server
 * forgot the session (HTTP 404 after a restart) is sent once more on a new one.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerConfig } from "../config/toolsSchema.js";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import { untilAborted } from "../abort.js";
import { mcpFailure } from "./mcpFailure.js";
import { openMcpTransport } from "./openMcpTransport.js";

/** How long listing leaves a server alone after it could not be reached. */
export const MCP_RETRY_AFTER_MS = 5_000;
/** Pages of tools/list read at most: a server that keeps handing out cursors cannot hold a turn in a loop. */
const MAX_PAGES = 20;
/**
 * The most a message may carry: room for the envelope and escaping around a result of maxResultBytes, so a result
 * a little too large is refused by its exact size (mcpToolResult) and only a flood is cut off in the transport.
 */
const messageLimitFor = (maxResultBytes: number) => maxResultBytes * 8 + 1024 * 1024;

const CLIENT_INFO = { name: "switchyard", version: "1.0.0" };

export interface McpConnection {
  readonly config: McpServerConfig;
  /** Connect, list, and call each end within this. */
  readonly timeoutMs: number;
  /**
   * The server's tools (only the allow-listed ones): as listed on the current connection, listed now when they
   * are not known or changed, or as last listed while the server cannot be reached. Rejects when they were never
   * listed and the server cannot be reached; `retry` tries to reach it even within the pause after a failure.
   */
  tools(signal: AbortSignal, options?: { retry?: boolean }): Promise<readonly Tool[]>;
  /** The tools as last listed, without reaching the server (undefined: never listed). */
  known(): readonly Tool[] | undefined;
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
  close(): Promise<void>;
}

interface Live {
  client: Client;
  closed: boolean;
  /** Closed by the gateway after its transport failed (already reported), not by the server going away. */
  dropped: boolean;
  /** Why the gateway closed it, when that says more than "the connection closed" to the requests it failed. */
  failure?: GatewayError;
  /** The list must be fetched (again) before it is used. */
  stale: boolean;
  tools: readonly Tool[] | undefined;
}

export function createMcpConnection(config: McpServerConfig, options: { timeoutMs: number; logger: Logger }): McpConnection {
  const { logger } = options;
  const timeoutMs = config.timeoutMs ?? options.timeoutMs;
  const allowed = config.tools ? new Set(config.tools) : undefined;
  const shutdown = new AbortController();
  let current: Live | undefined;
  let opening: Promise<Live> | undefined;
  let listing: Promise<readonly Tool[]> | undefined;
  let lastListed: readonly Tool[] | undefined;
  let failedAt: number | undefined;

  const open = async (): Promise<Live> => {
    const { transport, stderrTail } = openMcpTransport(config, messageLimitFor(config.maxResultBytes), logger, (error) => {
      live.failure = error;
      drop(live);
    });
    const client = new Client(CLIENT_INFO, {
      // Only marked: the next use lists again, within its own timeout and pages (the SDK's refresh has neither).
      listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => void (live.stale = true) } },
    });
    const live: Live = { client, closed: false, dropped: false, stale: true, tools: undefined };
    client.onclose = () => {
      live.closed = true;
      if (current === live) current = undefined;
      if (!shutdown.signal.aborted && !live.dropped) logger.warn({ mcpServer: config.name, ...(stderrTail() ? { stderr: stderrTail() } : {}) }, "MCP server connection closed");
    };
    // Transport errors also reject the request they belong to, which reports them; the rest is noise here.
    client.onerror = (error) => logger.debug({ mcpServer: config.name, err: error }, "MCP transport error");
    try {
      await client.connect(transport, { timeout: timeoutMs, signal: shutdown.signal });
    } catch (error) {
      live.closed = true;
      await transport.close().catch(() => undefined);
      throw error;
    }
    return live;
  };

  const session = (): Promise<Live> => {
    if (shutdown.signal.aborted) return Promise.reject(new GatewayError("upstream_error", "the gateway is shutting down"));
    if (current && !current.closed) return Promise.resolve(current);
    opening ??= open().then(
      (live) => {
        opening = undefined;
        if (shutdown.signal.aborted) {
          void live.client.close().catch(() => undefined);
          throw new GatewayError("upstream_error", "the gateway is shutting down");
        }
        failedAt = undefined;
        current = live;
        return live;
      },
      (error: unknown) => {
        opening = undefined;
        failedAt = Date.now();
        const { error: failure } = mcpFailure(config.name, error);
        if (!shutdown.signal.aborted) logger.warn({ mcpServer: config.name, err: error }, "connecting to an MCP server failed");
        throw failure;
      },
    );
    return opening;
  };

  /** The next use connects again. */
  const drop = (live: Live): void => {
    if (live.closed) return;
    live.closed = true;
    live.dropped = true;
    if (current === live) current = undefined;
    void live.client.close().catch(() => undefined);
  };

  /** The failure as a tool error; a connection whose transport failed is dropped. */
  const failed = (live: Live, error: unknown): never => {
    if (live.failure) throw live.failure;
    const { error: failure, reconnect } = mcpFailure(config.name, error);
    if (reconnect) drop(live);
    throw failure;
  };

  const list = async (live: Live, signal: AbortSignal): Promise<readonly Tool[]> => {
    live.stale = false;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await live.client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout: timeoutMs });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    const offered = allowed ? tools.filter((tool) => allowed.has(tool.name)) : tools;
    live.tools = offered;
    lastListed = offered;
    failedAt = undefined;
    return offered;
  };

  const fetchTools = async (signal: AbortSignal): Promise<readonly Tool[]> => {
    const live = await untilAborted(session(), signal);
    if (live.tools && !live.stale) return live.tools;
    try {
      // One listing at a time: concurrent turns share it.
      listing ??= list(live, AbortSignal.any([shutdown.signal, AbortSignal.timeout(timeoutMs)])).finally(() => {
        listing = undefined;
      });
      return await untilAborted(listing, signal);
    } catch (error) {
      live.stale = true;
      const clientLeft = signal.aborted && !(signal.reason instanceof DOMException && signal.reason.name === "TimeoutError");
      if (!clientLeft) {
        failedAt = Date.now();
        logger.warn({ mcpServer: config.name, err: error }, "listing an MCP server's tools failed");
      }
      return failed(live, error);
    }
  };

  return {
    config,
    timeoutMs,
    known: () => lastListed,
    async tools(signal, { retry = false } = {}) {
      if (current && !current.closed && current.tools && !current.stale) return current.tools;
      const resting = failedAt !== undefined && Date.now() - failedAt < MCP_RETRY_AFTER_MS;
      if (resting && !retry) {
        if (lastListed) return lastListed;
        throw new GatewayError("upstream_error", `the MCP server "${config.name}" could not be reached or listed a moment ago`);
      }
      const bounded = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      try {
        return await fetchTools(bounded);
      } catch (error) {
        // What the server offered before it went away is still what it offers: calls will say if it is back.
        if (lastListed && !signal.aborted) return lastListed;
        throw error;
      }
    },
    async call(tool, args, signal) {
      for (let attempt = 1; ; attempt++) {
        const live = await untilAborted(session(), signal);
        try {
          return (await live.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: timeoutMs })) as CallToolResult;
        } catch (error) {
          // The server forgot the session (it restarted): the call never ran there, so once more on a new one is safe.
          if (attempt === 1 && error instanceof StreamableHTTPError && error.code === 404 && !signal.aborted) {
            drop(live);
            continue;
          }
          return failed(live, error);
        }
      }
    },
    async close() {
      shutdown.abort(new DOMException("the gateway is shutting down", "AbortError"));
      const live = current;
      current = undefined;
      await opening?.catch(() => undefined);
      await live?.client.close().catch(() => undefined);
    },
  };
}
