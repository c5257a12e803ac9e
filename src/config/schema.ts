/**
 * The configuration file's schema: the public contract. Defaults live here and nowhere else.
 */
import { z } from "zod";

const engineName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-' (no '/': it separates engine and model)");

const positiveInt = z.number().int().positive();

export const openAIEngineSchema = z
  .object({
    name: engineName,
    type: z.literal("openai"),
    baseUrl: z.url(),
    apiKey: z.string().optional(),
    models: z.array(z.string().min(1)).min(1),
    /** Extra headers for every upstream request (e.g. an organisation id). */
    headers: z.record(z.string(), z.string()).default({}),
    maxConcurrency: positiveInt.default(20),
    /** Keep-alive connections kept per upstream origin. */
    connections: positiveInt.default(64),
  })
  .strict();

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
  })
  .strict();

export const engineSchema = z.discriminatedUnion("type", [openAIEngineSchema, localEngineSchema]);

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: positiveInt.default(1_048_576),
        drainTimeoutMs: z.number().int().min(0).default(30_000),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, "must start with sqlite: or postgres://")
          .default("sqlite:./data/switchyard.db"),
      })
      .strict()
      .prefault({}),
    engines: z.array(engineSchema).default([]),
    chat: z
      .object({
        historyWindow: z.number().int().min(0).default(20),
        /** `auto`, or an engine name. */
        defaultEngine: z.string().min(1).default("auto"),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
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
    const preferred = config.chat.defaultEngine;
    if (preferred !== "auto" && !seen.has(preferred)) {
      ctx.addIssue({ code: "custom", path: ["chat", "defaultEngine"], message: `no engine named "${preferred}"` });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type OpenAIEngineConfig = z.infer<typeof openAIEngineSchema>;
export type LocalEngineConfig = z.infer<typeof localEngineSchema>;
