import { openAIEngineSchema, type OpenAIEngineConfig } from "../../../src/config/schema.js";
import { createOpenAIEngine, type OpenAIEngineOptions } from "../../../src/engines/openai/createOpenAIEngine.js";
import type { ChatRequest, Engine, StreamPart } from "../../../src/engines/spec.js";
import type { UpstreamFaults } from "../../support/engineContract.js";
import { startMockUpstream, type MockUpstream } from "../../support/mockUpstream.js";

export interface OpenAIEngineFixture {
  mock: MockUpstream;
  engine: Engine;
  close(): Promise<void>;
}

export function engineConfig(baseUrl: string, overrides: Partial<OpenAIEngineConfig> = {}): OpenAIEngineConfig {
  return openAIEngineSchema.parse({ name: "mock", type: "openai", baseUrl, models: ["mock-model"], connections: 4, ...overrides });
}

export async function startOpenAIEngineFixture(
  overrides: Partial<OpenAIEngineConfig> = {},
  options: OpenAIEngineOptions = {},
): Promise<OpenAIEngineFixture> {
  const mock = await startMockUpstream();
  const engine = createOpenAIEngine(engineConfig(mock.url, overrides), options);
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
  model: "mock-model",
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

/** The contract's faults on the OpenAI-format mock. */
export function mockFaults(mock: MockUpstream): UpstreamFaults {
  const chunks = ["Hello ", "there, ", "friend."];
  return {
    rateLimited: (retryAfterSeconds) => (mock.script = () => ({ status: 429, errorMessage: "slow down", retryAfter: String(retryAfterSeconds) })),
    cutAfterText: () => (mock.script = () => ({ chunks, dropAfterChunks: 1 })),
    malformedAfterText: () => (mock.script = () => ({ chunks, malformedAfterChunks: 1 })),
  };
}
