/**
 * The OpenAI wire shapes the mock upstream speaks: chunks, completions, errors and default usage. Kept apart from
 * the server so the shapes can be read (and compared with OpenAI's reference) in one place.
 */
import type { MockScript, MockToolCall, MockUsage } from "./mockUpstream.js";

export const defaultMockText = "Hello from the mock upstream, streamed in small pieces.";

/** Word-sized pieces that keep their leading spaces, the way tokenizers split text. */
export function splitIntoChunks(text: string): string[] {
  return text.match(/\s*\S+\s*$|\s*\S+/g) ?? (text.length > 0 ? [text] : []);
}

export function textChunksOf(script: MockScript): string[] {
  if (script.chunks) return script.chunks;
  if (script.text !== undefined) return splitIntoChunks(script.text);
  return script.toolCalls ? [] : splitIntoChunks(defaultMockText);
}

/** Tool-call arguments go out in at least two pieces so clients have to merge them. */
export function splitArguments(args: string): string[] {
  if (args.length < 2) return [args, ""];
  const middle = Math.ceil(args.length / 2);
  return [args.slice(0, middle), args.slice(middle)];
}

export function countPromptWords(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  let words = 0;
  for (const message of messages) {
    const content: unknown = typeof message === "object" && message !== null ? (message as { content?: unknown }).content : undefined;
    if (typeof content === "string") words += content.split(/\s+/).filter((word) => word.length > 0).length;
  }
  return words;
}

export function usageOf(script: MockScript, body: Record<string, unknown>, completionChunks: number): MockUsage | null {
  if (script.usage === null) return null;
  return script.usage ?? { prompt_tokens: countPromptWords(body), completion_tokens: completionChunks };
}

export function withTotal(usage: MockUsage): MockUsage & { total_tokens: number } {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

export interface ChunkEnvelope {
  id: string;
  created: number;
  model: string;
  /** With include_usage, OpenAI puts `"usage": null` on every chunk but the last. */
  includeUsage: boolean;
}

export function chunkJson(envelope: ChunkEnvelope, delta: Record<string, unknown>, finishReason: string | null): string {
  const chunk: Record<string, unknown> = {
    id: envelope.id,
    object: "chat.completion.chunk",
    created: envelope.created,
    model: envelope.model,
    system_fingerprint: "fp_mock",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (envelope.includeUsage) chunk.usage = null;
  return JSON.stringify(chunk);
}

export function usageChunkJson(envelope: ChunkEnvelope, usage: MockUsage): string {
  return JSON.stringify({
    id: envelope.id,
    object: "chat.completion.chunk",
    created: envelope.created,
    model: envelope.model,
    system_fingerprint: "fp_mock",
    choices: [],
    usage: withTotal(usage),
  });
}

/** The deltas that stream one tool call: id, type and name first, then the arguments in pieces. */
export function toolCallDeltas(call: MockToolCall, index: number): Record<string, unknown>[] {
  const [first, ...rest] = splitArguments(call.arguments);
  return [
    { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] },
    ...[first ?? "", ...rest].map((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] })),
  ];
}

export function completionJson(
  envelope: ChunkEnvelope,
  text: string | null,
  toolCalls: MockToolCall[] | undefined,
  finishReason: string | null,
  usage: MockUsage | null,
): string {
  const message: Record<string, unknown> = { role: "assistant", content: text, refusal: null };
  if (toolCalls && toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  const completion: Record<string, unknown> = {
    id: envelope.id,
    object: "chat.completion",
    created: envelope.created,
    model: envelope.model,
    system_fingerprint: "fp_mock",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
  };
  if (usage) completion.usage = withTotal(usage);
  return JSON.stringify(completion);
}

const errorTypeByStatus: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  422: "invalid_request_error",
  429: "rate_limit_error",
};

export function errorJson(status: number, message: string): string {
  return JSON.stringify({
    error: {
      message,
      type: errorTypeByStatus[status] ?? (status >= 500 ? "server_error" : "invalid_request_error"),
      param: null,
      code: null,
    },
  });
}

/**
 * The mock's default vector for an input: `dimensions` (default 8) values derived from the input's bytes, each
 * exactly representable as float32, so a base64 round trip gives back the same numbers.
 */
export function mockEmbedding(input: string | number[], dimensions = 8): number[] {
  const bytes = typeof input === "string" ? Buffer.from(input) : Buffer.from(input.join(","));
  const vector: number[] = [];
  for (let d = 0; d < dimensions; d++) {
    let hash = 2166136261 ^ d;
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619);
    vector.push(Math.fround(((hash >>> 0) / 0xffffffff) * 2 - 1));
  }
  return vector;
}

/** OpenAI's embeddings answer for a request body, in the encoding it asked for. */
export function embeddingsJson(body: Record<string, unknown>, script: { embedding?: (input: string | number[], index: number) => number[]; usage?: unknown }): string {
  const raw = body.input;
  const inputs: Array<string | number[]> =
    typeof raw === "string" ? [raw] : Array.isArray(raw) && raw.every((x) => typeof x === "number") ? [raw] : ((raw ?? []) as Array<string | number[]>);
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : undefined;
  const base64 = body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = script.embedding ? script.embedding(input, index) : mockEmbedding(input, dimensions);
    let embedding: number[] | string = vector;
    if (base64) {
      const bytes = Buffer.alloc(vector.length * 4);
      vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
      embedding = bytes.toString("base64");
    }
    return { object: "embedding", index, embedding };
  });
  const promptTokens = inputs.reduce((sum, input) => sum + (typeof input === "string" ? input.split(/\s+/).filter(Boolean).length : input.length), 0);
  return JSON.stringify({
    object: "list",
    data,
    model: typeof body.model === "string" ? body.model : "mock-embedding",
    ...(script.usage === null ? {} : { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
  });
}
