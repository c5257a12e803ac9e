/**
 * Server-side tools of the session API: the loop's bounds, which built-ins are offered, and `http` tools that
 * call a URL the operator configured.
 */
import { z } from "zod";
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

export const toolsSchema = z
  .object({
    /** Engine calls in one turn at most; a model still asking for tools on the last one ends the turn (`max_steps`). */
    maxSteps: z.number().int().min(1).max(20).default(4),
    /** Default time limit of one tool call. */
    timeoutMs: positiveInt.default(10_000),
    /** Tool calls run from one engine answer at most; further ones fail without running. */
    maxCallsPerStep: z.number().int().min(1).max(64).default(8),
    /** The built-in tools offered (all of them by default). */
    builtins: z.array(z.enum(BUILTIN_TOOLS)).default([...BUILTIN_TOOLS]),
    http: z.array(httpToolSchema).default([]),
  })
  .strict()
  .superRefine((tools, ctx) => {
    const seen = new Set<string>(BUILTIN_TOOLS);
    tools.http.forEach((tool, index) => {
      if (seen.has(tool.name)) ctx.addIssue({ code: "custom", path: ["http", index, "name"], message: `"${tool.name}" is already a tool name` });
      seen.add(tool.name);
    });
  });

export type ToolsConfig = z.infer<typeof toolsSchema>;
export type HttpToolConfig = z.infer<typeof httpToolSchema>;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];
