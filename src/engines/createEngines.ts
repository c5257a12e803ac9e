import type { EngineConfig } from "../config/schema.js";
import type { Engine } from "./spec.js";
import type { Logger } from "../logger.js";
import { createOpenAIEngine } from "./openai/createOpenAIEngine.js";
import { createLocalEngine } from "./local/createLocalEngine.js";

/** One adapter per configured engine, in configured order. */
export function createEngines(configs: readonly EngineConfig[], logger: Logger): Engine[] {
  return configs.map((config) => {
    const child = logger.child({ engine: config.name });
    return config.type === "openai" ? createOpenAIEngine(config, { logger: child }) : createLocalEngine(config, { logger: child });
  });
}
