/**
 * The identity of a cacheable request, from the tenant, the model as requested and every field of the
 * normalized request that can change the answer. Streaming options are left out: a streamed and a plain request
 * for the same thing share one entry.
 *
 * The gateway's own fields go in as positional tuples, so their order never depends on how an inbound API built
 * the objects and plain JSON.stringify (its fast path) serializes them; only what the client wrote as free-form
 * JSON (tools, tool choice, tool calls, the passed-through fields) is put in canonical form, keys sorted.
 *
 * A short request's identity is that JSON itself: this process's cache finds it by the string (V8 hashes it
 * once), so a hit costs no SHA-256, which through OpenSSL on a busy request path takes several microseconds. A
 * long one (a big prompt) is hashed, so no entry's key holds a whole prompt; the shared cache hashes short ones
 * too before they become Redis keys.
 */
import { hash } from "node:crypto";
import type { ChatMessage, ChatRequest } from "../engines/spec.js";
import { canonicalJson } from "./canonicalJson.js";

export interface DigestInput {
  tenant: string;
  /** As the client sent it (a route, `engine/model`, `auto`…): the same text can later route elsewhere. */
  model: string;
  /** The normalized request (messages with text content, max_completion_tokens folded into maxTokens…). */
  request: Omit<ChatRequest, "model">;
}

// Bumped whenever the form changes: an old key must never be read as a new one.
const version = 2;

/** Identities up to this long are kept as they are. */
export const maxPlainDigest = 512;

export function requestDigest(input: DigestInput): string {
  // `extra` holds every OpenAI field the gateway passes through untouched (response_format, penalties, logit_bias,
  // user…): all of them are in the key, since any may change the answer.
  const { messages, maxTokens, temperature, topP, stop, seed, tools, toolChoice, extra } = input.request;
  const key = JSON.stringify([
    version,
    input.tenant,
    input.model,
    messages.map(messageTuple),
    maxTokens ?? null,
    temperature ?? null,
    topP ?? null,
    stop ?? null,
    seed ?? null,
    freeForm(tools),
    freeForm(toolChoice),
    freeForm(extra),
  ]);
  return key.length <= maxPlainDigest ? key : hash("sha256", key, "hex");
}

function messageTuple(message: ChatMessage): unknown[] {
  const tuple: unknown[] = [message.role, message.content, message.name ?? null, message.toolCallId ?? null, freeForm(message.toolCalls)];
  // Only when present, so the keys of text-only requests stay what they were.
  if (message.images !== undefined && message.images.length > 0) tuple.push(message.images.map((image) => [image.mediaType, image.data]));
  return tuple;
}

/** Client-shaped JSON, keys sorted (a string, so the tuple around it stays plain); null when absent. */
function freeForm(value: unknown): string | null {
  return value === undefined ? null : canonicalJson(value);
}
