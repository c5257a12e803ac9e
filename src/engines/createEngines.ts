import type { EngineConfig } from "../config/schema.js";
import type { Engine } from "./spec.js";
import type { Logger } from "../logger.js";
import { createOpenAIEngine } from "./openai/createOpenAIEngine.js";
import { createLocalEngine } from "./local/createLocalEngine.js";
import { createAzureEngine } from "./azure/createAzureEngine.js";
import { createBedrockEngine } from "./bedrock/createBedrockEngine.js";
import { createGeminiEngine } from "./gemini/createGeminiEngine.js";
import { createAnthropicEngine } from "./anthropic/createAnthropicEngine.js";

/** One adapter per configured engine, in configured order. */
export function createEngines(configs: readonly EngineConfig[], logger: Logger): Engine[] {
  return configs.map((config) => {
    const child = logger.child({ engine: config.name });
    switch (config.type) {
      case "openai":
        return createOpenAIEngine(config, { logger: child });
      case "azure":
        return createAzureEngine(config, { logger: child });
      case "local":
        return createLocalEngine(config, { logger: child });
      case "bedrock":
        return createBedrockEngine(config, { logger: child });
      case "gemini":
        return createGeminiEngine(config, { logger: child });
      case "anthropic":
        return createAnthropicEngine(config, { logger: child });
    }
  });
}
