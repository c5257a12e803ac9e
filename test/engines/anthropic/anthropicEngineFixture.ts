import { anthropicEngineSchema, type AnthropicEngineConfig } from "../../../src/config/schema.js";
import { createAnthropicEngine, type AnthropicEngineOptions } from "../../../src/engines/anthropic/createAnthropicEngine.js";
import type { ChatRequest, Engine, StreamPart } from "../../../src/engines/spec.js";
import type { UpstreamFaults } from "../../support/engineContract.js";
import { startMockAnthropicUpstream, type MockAnthropicUpstream } from "../../support/mockAnthropicUpstream.js";

export interface AnthropicEngineFixture {
  mock: MockAnthropicUpstream;
  engine: Engine;
  close(): Promise<void>;
}

export function anthropicConfig(baseUrl: string, overrides: Partial<AnthropicEngineConfig> = {}): AnthropicEngineConfig {
  return anthropicEngineSchema.parse({ name: "claude", type: "anthropic", baseUrl, apiKey: "sk-ant-test", models: ["claude-test"], connections: 4, ...overrides });
}

export async function startAnthropicEngineFixture(
  overrides: Partial<AnthropicEngineConfig> = {},
  options: AnthropicEngineOptions = {},
): Promise<AnthropicEngineFixture> {
  const mock = await startMockAnthropicUpstream();
  const engine = createAnthropicEngine(anthropicConfig(mock.url, overrides), options);
  return {
    mock,
    engine,
    async close() {
      await mock.close();
      await engine.close();
    },
  };
}

export const helloRequest: ChatRequest = {
  model: "claude-test",
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Say hello in a few words." },
  ],
};

export async function streamAll(engine: Engine, request: ChatRequest = helloRequest, signal = new AbortController().signal): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of engine.stream(request, { signal })) parts.push(part);
  return parts;
}

/** The contract's faults on the Anthropic mock: an overloaded API answers 529. */
export function anthropicFaults(mock: MockAnthropicUpstream): UpstreamFaults {
  const chunks = ["Hello ", "there, ", "friend."];
  return {
    rateLimited: (retryAfterSeconds) => (mock.script = () => ({ status: 529, errorMessage: "Overloaded", retryAfter: String(retryAfterSeconds) })),
    cutAfterText: () => (mock.script = () => ({ chunks, dropAfterDeltas: 1 })),
    malformedAfterText: () => (mock.script = () => ({ chunks, malformedAfterDeltas: 1 })),
  };
}
