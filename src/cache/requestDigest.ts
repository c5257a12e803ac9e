/**
 * The identity of a cacheable request: sha256 over the tenant, the model as requested and every field of the
 * normalized request that can change the answer. Streaming options are left out: a streamed and a plain request
 * for the same thing share one entry.
 */
import { hash } from "node:crypto";
import type { ChatRequest } from "../engines/spec.js";
import { canonicalJson } from "./canonicalJson.js";

export interface DigestInput {
  tenant: string;
  /** As the client sent it (a route, `engine/model`, `auto`…): the same text can later route elsewhere. */
  model: string;
  /** The normalized request (messages with text content, max_completion_tokens folded into maxTokens…). */
  request: Omit<ChatRequest, "model">;
}

export function requestDigest(input: DigestInput): string {
  // `extra` holds every OpenAI field the gateway passes through untouched (response_format, penalties, logit_bias,
  // user…): all of them are in the key, since any may change the answer.
  const { messages, maxTokens, temperature, topP, stop, seed, tools, toolChoice, extra } = input.request;
  const canonical = canonicalJson({
    v: 1,
    tenant: input.tenant,
    model: input.model,
    messages,
    maxTokens,
    temperature,
    topP,
    stop,
    seed,
    tools,
    toolChoice,
    extra,
  });
  return hash("sha256", canonical, "hex");
}
