/**
 * The configuration file's schema: the public contract. Defaults live here and nowhere else.
 */
import { z } from "zod";
import { compressionSchema, featuresSchema, healthSchema, loadSheddingSchema, serverTimeoutsSchema, tlsSchema } from "./operationsSchema.js";
import { redisSchema } from "./redisSchema.js";
import { cacheSchema } from "./cacheSchema.js";
import { authSchema, budgetsSchema, corsSchema, metricsSchema, pricingSchema, rateLimitsSchema, webhookSchema } from "./securitySchema.js";
import { storePoolSchema } from "./storeSchema.js";
import { jobsSchema } from "./jobsSchema.js";
import { documentsSchema } from "./documentsSchema.js";
import { retrievalSchema } from "./retrievalSchema.js";
import { chatModelsOf, embeddingIssues, embeddingModelsOf, embeddingsSchema, localEmbeddingFields, openAIEmbeddingFields } from "./embeddingsSchema.js";
import { retentionSchema, usageRollupSchema } from "./retentionSchema.js";
import { toolsSchema } from "./toolsSchema.js";
import { consoleSchema } from "./consoleSchema.js";
import { requestLogSchema } from "./requestLogSchema.js";
import { guardrailsSchema, routeGuardrailIssues } from "./guardrailsSchema.js";
import { routeServerToolIssues } from "./routeServerToolsSchema.js";
import { policyFields } from "./policySchema.js";
import { routeSchema } from "./routeSchema.js";

const engineName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-' (no '/': it separates engine and model)");

const positiveInt = z.number().int().positive();

/**
 * An upstream's credentials: one key, or several (`apiKeys`) taken in turn, a key that met a 429 set aside for its
 * Retry-After (else `keyCooldownMs`) while the call goes on at once with the next one.
 */
const keyFields = {
  apiKey: z.string().optional(),
  apiKeys: z.array(z.string().min(1)).min(1).optional(),
  keyCooldownMs: positiveInt.default(60_000),
};

/** The fields of the OpenAI-wire engines (openai, azure) besides where they send requests. */
const openAIWireFields = {
  ...keyFields,
  /** Chat model ids; may be empty on an engine that only serves embeddingModels. */
  models: z.array(z.string().min(1)).default([]),
  ...openAIEmbeddingFields,
  /** Extra headers for every upstream request (e.g. an organisation id). */
  headers: z.record(z.string(), z.string()).default({}),
  maxConcurrency: positiveInt.default(20),
  /** Keep-alive connections kept per upstream origin. */
  connections: positiveInt.default(64),
  /**
   * `always`: every upstream call streams, so a non-streaming client's call still falls back when no first token
   * comes within `timeouts.ttftMs`. `client`: the upstream streams only when the client does; a non-streaming call
   * asks for the whole answer at once, which spares parsing one chunk per token, and only `timeouts.totalMs`
   * bounds it (its first token is its last).
   */
  upstreamStreaming: z.enum(["always", "client"]).default("always"),
};

const oneKeyForm = { message: "set apiKey or apiKeys, not both", path: ["apiKeys"] };

/** Azure OpenAI: deployment URLs (`/openai/deployments/{deployment}/…?api-version=`) with an `api-key` header. */
export const azureEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("azure"),
    /** The resource's endpoint, e.g. https://my-resource.openai.azure.com */
    endpoint: z.url(),
    apiVersion: z.string().min(1).default("2024-10-21"),
    /** The deployment serving each model id; a model not listed is deployed under its own name. */
    deployments: z.record(z.string(), z.string().min(1)).default({}),
    ...openAIWireFields,
    ...policyFields,
  })
  .strict()
  .refine((engine) => engine.apiKey === undefined || engine.apiKeys === undefined, oneKeyForm);

export const openAIEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("openai"),
    baseUrl: z.url(),
    ...openAIWireFields,
    ...policyFields,
  })
  .strict()
  .refine((engine) => engine.apiKey === undefined || engine.apiKeys === undefined, oneKeyForm);

export const localEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("local"),
    /** A GGUF path, or an `hf:` URI downloaded into modelsDir on first start. Empty: not configured. */
    model: z.string(),
    /** The model id clients use (`<engine>/<modelName>`). */
    modelName: z.string().min(1).default("default"),
    modelsDir: z.string().default("./models"),
    maxConcurrency: positiveInt.default(2),
    contextSize: positiveInt.default(4096),
    /** CPU threads per generation; 0 lets llama.cpp decide. */
    threads: z.number().int().min(0).default(1),
    gpu: z.enum(["auto", "cuda", "vulkan", "metal", "off"]).default("off"),
    maxTokens: positiveInt.default(512),
    ...localEmbeddingFields,
    ...policyFields,
  })
  .strict();

/** Google's Generative Language API, spoken natively (`models/{model}:streamGenerateContent`), key in `x-goog-api-key`. */
export const geminiEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("gemini"),
    baseUrl: z.url().default("https://generativelanguage.googleapis.com/v1beta"),
    ...keyFields,
    models: z.array(z.string().min(1)).min(1),
    /** Extra headers for every upstream request. */
    headers: z.record(z.string(), z.string()).default({}),
    maxConcurrency: positiveInt.default(20),
    /** Keep-alive connections kept to the upstream origin. */
    connections: positiveInt.default(64),
    ...policyFields,
  })
  .strict()
  .refine((engine) => engine.apiKey === undefined || engine.apiKeys === undefined, oneKeyForm);

/** Anthropic's Messages API, spoken natively (`/v1/messages`), key in `x-api-key`. */
export const anthropicEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("anthropic"),
    baseUrl: z.url().default("https://api.anthropic.com"),
    ...keyFields,
    /** Sent as the `anthropic-version` header. */
    anthropicVersion: z.string().min(1).default("2023-06-01"),
    models: z.array(z.string().min(1)).min(1),
    /** Extra headers for every upstream request (e.g. `anthropic-beta`). */
    headers: z.record(z.string(), z.string()).default({}),
    maxConcurrency: positiveInt.default(20),
    /** Keep-alive connections kept to the upstream origin. */
    connections: positiveInt.default(64),
    /** Anthropic requires max_tokens: what a request that sets none asks for. */
    defaultMaxTokens: positiveInt.default(4096),
    ...policyFields,
  })
  .strict()
  .refine((engine) => engine.apiKey === undefined || engine.apiKeys === undefined, oneKeyForm);

/** Amazon Bedrock Runtime's Converse API (`ConverseStream`), SigV4-signed by the AWS SDK. */
export const bedrockEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("bedrock"),
    /** Required here: the SDK's own region lookup would make the config depend on the environment unseen. */
    region: z.string().min(1),
    /** A VPC endpoint or a test server, instead of bedrock-runtime.{region}.amazonaws.com. */
    endpoint: z.url().optional(),
    /** Model ids or inference profile ids. */
    models: z.array(z.string().min(1)).min(1),
    maxConcurrency: positiveInt.default(20),
    /** Converse requires maxTokens for some models: what a request that sets none asks for. */
    defaultMaxTokens: positiveInt.default(4096),
    /** Static credentials; without them the SDK's default chain (env, profile, web identity, ECS/IMDS). */
    credentials: z
      .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() })
      .strict()
      .optional(),
    ...policyFields,
  })
  .strict();

export const engineSchema = z.discriminatedUnion("type", [openAIEngineSchema, azureEngineSchema, localEngineSchema, geminiEngineSchema, anthropicEngineSchema, bedrockEngineSchema]);

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: positiveInt.default(1_048_576),
        drainTimeoutMs: z.number().int().min(0).default(30_000),
        /**
         * Trust X-Forwarded-For / X-Forwarded-Proto from these proxies (true: any; a number: that many hops; a
         * list of addresses or CIDR blocks). Without it the socket address is the client address.
         */
        trustProxy: z.union([z.boolean(), z.number().int().min(0), z.array(z.string().min(1))]).default(false),
        cors: corsSchema.prefault({}),
        /** HTTPS (and HTTP/2) when set; plain HTTP otherwise (behind a TLS-terminating proxy). */
        tls: tlsSchema.optional(),
        compression: compressionSchema.prefault({}),
        timeouts: serverTimeoutsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, "must start with sqlite: or postgres://")
          .default("sqlite:./data/switchyard.db"),
        /** Queries at least this slow are counted (store_slow_queries_total) and logged at warn. */
        slowQueryMs: positiveInt.default(500),
        pool: storePoolSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    engines: z.array(engineSchema).default([]),
    routes: z.array(routeSchema).default([]),
    routing: z
      .object({
        /** The route that `auto` means; without one, `auto` tries every engine in configured order. */
        default: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    embeddings: embeddingsSchema.prefault({}),
    chat: z
      .object({
        historyWindow: z.number().int().min(0).default(20),
        /** `auto`, or an engine name. */
        defaultEngine: z.string().min(1).default("auto"),
        /** With `redis`: how long session metadata and the history window stay cached there; 0: not cached. */
        sessionCacheTtlSeconds: z.number().int().min(0).default(86_400),
      })
      .strict()
      .prefault({}),
    auth: authSchema.prefault({}),
    rateLimits: rateLimitsSchema.prefault({}),
    pricing: pricingSchema.default({}),
    budgets: budgetsSchema.prefault({}),
    webhooks: z.array(webhookSchema).default([]),
    metrics: metricsSchema.prefault({}),
    /** Shared counters across replicas; absent: everything stays in the process. */
    redis: redisSchema.optional(),
    cache: cacheSchema.prefault({}),
    /** Background jobs: BullMQ on `redis` when configured, else in-process. */
    jobs: jobsSchema.prefault({}),
    health: healthSchema.prefault({}),
    loadShedding: loadSheddingSchema.prefault({}),
    features: featuresSchema.prefault({}),
    /** Sign-in sessions of the web console at /console. */
    console: consoleSchema.prefault({}),
    documents: documentsSchema.prefault({}),
    /** Server-side tools of the session API. */
    tools: toolsSchema.prefault({}),
    /** Search defaults and hybrid (full-text + vector) fusion. */
    retrieval: retrievalSchema.prefault({}),
    retention: retentionSchema.prefault({}),
    /** Prompt and answer logging for the request detail API (off by default). */
    requestLog: requestLogSchema.prefault({}),
    /** Checks on prompts and answers: PII, denylists, patterns, prompt length, webhooks. */
    guardrails: guardrailsSchema.prefault({}),
    usage: usageRollupSchema.prefault({}),
    /** OpenTelemetry tracing: off unless an OTLP endpoint is configured. */
    telemetry: z
      .object({
        otlp: z
          .object({
            /** OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces */
            endpoint: z.url(),
            headers: z.record(z.string(), z.string()).default({}),
          })
          .strict()
          .optional(),
        serviceName: z.string().min(1).default("switchyard"),
        /** Share of new traces recorded; a caller's sampled traceparent is always followed. */
        sampleRatio: z.number().min(0).max(1).default(1),
      })
      .strict()
      .prefault({}),
    /** Presets for the defaults below (applied by loadConfig, under what the file sets): see profilePresets. */
    profile: z.enum(["dev", "prod"]).default("prod"),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        /** Human-readable lines instead of JSON; the dev profile turns it on. */
        pretty: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.engines.forEach((engine, index) => {
      if (seen.has(engine.name)) {
        ctx.addIssue({ code: "custom", path: ["engines", index, "name"], message: `duplicate engine name "${engine.name}"` });
      }
      seen.add(engine.name);
    });
    const modelsOf = new Map(config.engines.map((engine) => [engine.name, [...new Set([...chatModelsOf(engine), ...embeddingModelsOf(engine)])]]));
    const routes = new Set<string>();
    config.routes.forEach((route, index) => {
      if (routes.has(route.name) || seen.has(route.name)) {
        ctx.addIssue({ code: "custom", path: ["routes", index, "name"], message: `"${route.name}" is already an engine or route name` });
      }
      routes.add(route.name);
      route.targets.forEach((target, t) => {
        const text = typeof target === "string" ? target : target.target;
        const slash = text.indexOf("/");
        const models = modelsOf.get(text.slice(0, slash));
        if (!models) {
          ctx.addIssue({ code: "custom", path: ["routes", index, "targets", t], message: `no engine named "${text.slice(0, slash)}"` });
        } else if (!models.includes(text.slice(slash + 1))) {
          ctx.addIssue({ code: "custom", path: ["routes", index, "targets", t], message: `engine "${text.slice(0, slash)}" serves no model "${text.slice(slash + 1)}" (it serves: ${models.join(", ")})` });
        }
      });
      if (route.semanticCache?.enabled === true && config.embeddings.engine === undefined) {
        ctx.addIssue({ code: "custom", path: ["routes", index, "semanticCache"], message: "the semantic cache embeds requests with the default embedding target: set embeddings.engine" });
      }
      if (route.strategy === "weighted" && !route.targets.some((target) => typeof target === "string" || target.weight > 0)) {
        ctx.addIssue({ code: "custom", path: ["routes", index, "targets"], message: "a weighted route needs a target with weight > 0" });
      }
    });
    if (config.routing.default !== undefined && !routes.has(config.routing.default)) {
      ctx.addIssue({ code: "custom", path: ["routing", "default"], message: `no route named "${config.routing.default}"` });
    }
    if (config.auth.mode === "none" && !isLoopback(config.server.host)) {
      ctx.addIssue({
        code: "custom",
        path: ["auth", "mode"],
        message: `auth.mode none is only allowed on a loopback address; the server binds ${config.server.host}`,
      });
    }
    for (const issue of embeddingIssues(config.engines, config.routes, config.embeddings)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of routeGuardrailIssues(config.guardrails, config.routes)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of routeServerToolIssues(config.tools, config.routes)) ctx.addIssue({ code: "custom", ...issue });
    if (config.retention.ledgerDays > 0 && config.retention.ledgerDays <= config.usage.rollupLookbackDays) {
      ctx.addIssue({
        code: "custom",
        path: ["retention", "ledgerDays"],
        message: `must exceed usage.rollupLookbackDays (${config.usage.rollupLookbackDays}), or days still being rolled up would be purged`,
      });
    }
    const preferred = config.chat.defaultEngine;
    if (preferred !== "auto" && !seen.has(preferred) && !routes.has(preferred)) {
      ctx.addIssue({ code: "custom", path: ["chat", "defaultEngine"], message: `no engine or route named "${preferred}"` });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type OpenAIEngineConfig = z.infer<typeof openAIEngineSchema>;
export type AzureEngineConfig = z.infer<typeof azureEngineSchema>;
export type LocalEngineConfig = z.infer<typeof localEngineSchema>;
export type BedrockEngineConfig = z.infer<typeof bedrockEngineSchema>;
export type GeminiEngineConfig = z.infer<typeof geminiEngineSchema>;
export type AnthropicEngineConfig = z.infer<typeof anthropicEngineSchema>;

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
