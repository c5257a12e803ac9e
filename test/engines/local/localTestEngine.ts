/**
 * Engine configs for the real tiny GGUF model, built through the real schema so defaults come from one place,
 * and a request the model answers with a normal completion.
 */
import { localEngineSchema, type LocalEngineConfig } from "../../../src/config/schema.js";
import type { ChatRequest } from "../../../src/engines/spec.js";
import { tinyModelPath } from "../../support/tinyModel.js";

export { tinyModelPath };

export function tinyModelConfig(overrides: Partial<Omit<LocalEngineConfig, "type">> = {}): LocalEngineConfig {
  return localEngineSchema.parse({ name: "local", type: "local", model: tinyModelPath, ...overrides });
}

/** The model is not instruction-tuned: it continues stories, so a story opening yields a real completion. */
export function storyRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: "default",
    messages: [{ role: "user", content: "Once upon a time" }],
    maxTokens: 48,
    temperature: 0.8,
    seed: 7,
    ...overrides,
  };
}
