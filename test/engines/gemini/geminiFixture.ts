/** What the Gemini engine tests share: a config on the mock, a plain request, the contract's faults. */
import { geminiEngineSchema, type GeminiEngineConfig } from "../../../src/config/schema.js";
import type { ChatRequest, Engine, StreamPart } from "../../../src/engines/spec.js";
import type { UpstreamFaults } from "../../support/engineContract.js";
import type { MockGeminiUpstream } from "../../support/mockGeminiUpstream.js";

export function geminiConfig(origin: string, overrides: Partial<GeminiEngineConfig> = {}): GeminiEngineConfig {
  return geminiEngineSchema.parse({ name: "gem", type: "gemini", baseUrl: `${origin}/v1beta`, apiKey: "gemini-key-1", models: ["gemini-test"], connections: 4, ...overrides });
}

export const helloRequest: ChatRequest = {
  model: "gemini-test",
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

export function geminiFaults(mock: MockGeminiUpstream): UpstreamFaults {
  const chunks = ["Hello ", "there, ", "friend."];
  return {
    rateLimited: (retryAfterSeconds) => (mock.script = () => ({ status: 429, errorMessage: "Resource has been exhausted (e.g. check quota).", retryAfter: String(retryAfterSeconds) })),
    cutAfterText: () => (mock.script = () => ({ chunks, dropAfterChunks: 1 })),
    malformedAfterText: () => (mock.script = () => ({ chunks, malformedAfterChunks: 1 })),
  };
}
