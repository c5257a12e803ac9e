import type { EmbeddingsConfig } from "../../config/embeddingsSchema.js";
import { GatewayError } from "../../errors.js";
import type { EmbeddingsBody } from "./embeddingsSchema.js";

export interface EmbeddingInput {
  input: string[] | number[][];
  tokens: boolean;
  /** UTF-8 bytes of the texts (4 a token for token arrays): what `maxInputBytes` limits. */
  bytes: number;
}

/**
 * The body's `input` as a list, checked against the configured limits: more inputs than `maxInputs` is 400
 * `invalid_request`, more bytes than `maxInputBytes` is 413 `payload_too_large`, and an empty text or token array
 * is 400 (OpenAI refuses them too; an empty input has no embedding).
 */
export function toEmbeddingInput(body: EmbeddingsBody, limits: Pick<EmbeddingsConfig, "maxInputs" | "maxInputBytes">): EmbeddingInput {
  const raw = body.input;
  const input: string[] | number[][] =
    typeof raw === "string" ? [raw] : raw.length > 0 && raw.every((item) => typeof item === "number") ? [raw] : (raw as string[] | number[][]);
  if (input.length === 0) throw new GatewayError("invalid_request", "input is an empty list", { param: "input" });
  if (input.length > limits.maxInputs) {
    throw new GatewayError("invalid_request", `input has ${input.length} items; at most ${limits.maxInputs} per request`, { param: "input" });
  }
  let bytes = 0;
  for (const [index, item] of input.entries()) {
    if (item.length === 0) throw new GatewayError("invalid_request", `input ${index} is empty`, { param: "input" });
    bytes += typeof item === "string" ? Buffer.byteLength(item) : item.length * 4;
  }
  if (bytes > limits.maxInputBytes) {
    throw new GatewayError("payload_too_large", `input is ${bytes} bytes; at most ${limits.maxInputBytes} per request`, { param: "input" });
  }
  return { input, tokens: typeof input[0] !== "string", bytes };
}
