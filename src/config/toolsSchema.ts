/**
 * Server-side tools of the session API: the loop's bounds, which built-ins are offered, `http` tools that call a
 * URL the operator configured, and `mcp` servers whose tools are offered as `<server>__<tool>`.
 */
import { z } from "zod";
import { mcpToolName } from "../mcp/mcpToolName.js";
import { schemaProblems } from "../tools/jsonSchemaSubset.js";

export const BUILTIN_TOOLS = ["search_documents", "get_session_history"] as const;

const positiveInt = z.number().int().positive();
// What OpenAI-compatible APIs accept as a function name.
const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, '_' or '-'");

const parametersSchema = z
  .record(z.string(), z.unknown())
  .default({ type: "object", properties: {} })
  .superRefine((schema, ctx) => {
    if (schema.type !== "object") ctx.addIssue({ code: "custom", message: 'the parameters schema must have type "object" (tool arguments are a JSON object)' });
    for (const problem of schemaProblems(schema)) ctx.addIssue({ code: "custom", message: problem });
  });

export const httpToolSchema = z
  .object({
    name: toolName,
    /** Tells the model when to call the tool and what it returns. */
    description: z.string().min(1).max(2048),
    /** JSON Schema of the arguments (a supported subset: see src/tools/jsonSchemaSubset.ts). */
    parameters: parametersSchema,
    url: z.url({ protocol: /^https?$/ }),
    /** GET: the arguments as query parameters; POST: the arguments as a JSON body. */
    method: z.enum(["GET", "POST"]).default("POST"),
    /** Sent with every call; put secrets in `${ENV}`. Values are masked in logs. */
    headers: z.record(z.string(), z.string()).default({}),
    /** Longest a call may take, connection and body included; tools.timeoutMs when absent. */
    timeoutMs: positiveInt.optional(),
    /** A larger response is cut off and the call fails. */
    maxResponseBytes: positiveInt.default(65_536),
  })
  .strict();

/**
 * An MCP server's name prefixes its tools (`<name>__<tool>`), so it never holds `__` nor ends in `_`: the first
 * `__` of an exposed name is where the server's name ends, and two servers' tools can never share a name.
 */
const mcpServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, "1 to 32 letters, digits, '_' or '-'")
  .refine((name) => !name.includes("__") && !name.endsWith("_"), "must not contain '__' or end with '_' (it prefixes the tool names as <name>__<tool>)");

const mcpAccessSchema = z
  .object({
    /** Principal roles whose callers may use the server's tools. */
    roles: z.array(z.enum(["user", "admin"])).min(1).optional(),
    /** API key ids (not the keys) whose callers may use them. */
    keyIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((access) => access.roles !== undefined || access.keyIds !== undefined, "name roles, keyIds or both (leave access out to let every caller in)");

const mcpServerFields = {
  name: mcpServerName,
  /** Longest one call may take (connecting and listing included); tools.timeoutMs when absent. */
  timeoutMs: positiveInt.optional(),
  /** The server's tool names to offer (as the server names them); all of them when absent. */
  tools: z.array(z.string().min(1).max(128)).min(1).optional(),
  /** A larger result (text or structured content) fails the call. */
  maxResultBytes: positiveInt.default(65_536),
  /** Who may call its tools: callers with one of the roles or one of the key ids; every caller when absent. */
  access: mcpAccessSchema.optional(),
};

export const mcpServerSchema = z.discriminatedUnion("transport", [
  z
    .object({
      ...mcpServerFields,
      /** Streamable HTTP. */
      transport: z.literal("http"),
      url: z.url({ protocol: /^https?$/ }),
      /** Sent with every request; put secrets in `${ENV}`. Values are masked in logs. */
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      ...mcpServerFields,
      /** A child process speaking MCP on stdin/stdout, started on first use and again after it exits. */
      transport: z.literal("stdio"),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      /** Added to the few variables a child inherits (HOME, PATH, ...); secrets in `${ENV}`, masked in logs. */
      env: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);

export const toolsSchema = z
  .object({
    /** Engine calls in one turn at most; a model still asking for tools on the last one ends the turn (`max_steps`). */
    maxSteps: z.number().int().min(1).max(20).default(4),
    /** Default time limit of one tool call. */
    timeoutMs: positiveInt.default(10_000),
    /** Tool calls run from one engine answer at most; further ones fail without running. */
    maxCallsPerStep: z.number().int().min(1).max(64).default(8),
    /**
     * While server tools run, a streamed answer is sent a keepalive this often (an SSE comment; Anthropic's `ping`
     * event on /v1/messages), and a session turn's stream after this long without an event: nothing else goes out
     * meanwhile, and proxies close connections idle for long.
     */
    streamKeepaliveMs: z.number().int().min(100).max(300_000).default(15_000),
    /** The built-in tools offered (all of them by default). */
    builtins: z.array(z.enum(BUILTIN_TOOLS)).default([...BUILTIN_TOOLS]),
    http: z.array(httpToolSchema).default([]),
    /** MCP servers whose tools are offered too, as `<server>__<tool>`. */
    mcp: z.array(mcpServerSchema).default([]),
  })
  .strict()
  .superRefine((tools, ctx) => {
    const seen = new Set<string>(BUILTIN_TOOLS);
    const servers = new Set<string>();
    tools.mcp.forEach((server, index) => {
      if (servers.has(server.name)) ctx.addIssue({ code: "custom", path: ["mcp", index, "name"], message: `"${server.name}" is already an MCP server's name` });
      servers.add(server.name);
      const exposed = new Map<string, string>();
      for (const tool of server.tools ?? []) {
        const name = mcpToolName(server.name, tool);
        const other = exposed.get(name);
        if (other !== undefined && other !== tool) ctx.addIssue({ code: "custom", path: ["mcp", index, "tools"], message: `"${other}" and "${tool}" would both be offered as "${name}"` });
        exposed.set(name, tool);
      }
    });
    tools.http.forEach((tool, index) => {
      if (seen.has(tool.name)) ctx.addIssue({ code: "custom", path: ["http", index, "name"], message: `"${tool.name}" is already a tool name` });
      seen.add(tool.name);
      const owner = [...servers].find((server) => tool.name.startsWith(`${server}__`));
      if (owner !== undefined) ctx.addIssue({ code: "custom", path: ["http", index, "name"], message: `"${owner}__" prefixes the tools of the MCP server "${owner}"` });
    });
  });

export type ToolsConfig = z.infer<typeof toolsSchema>;
export type HttpToolConfig = z.infer<typeof httpToolSchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];
