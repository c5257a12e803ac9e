/**
 * Which requests the semantic cache may answer, and among which stored ones: the scope is a hash of everything that
 * must be identical — tenant, route, every message before the last user turn (the system prompt, and with multiTurn
 * the conversation so far), tools and tool choice, the temperature band, the length limit, stop sequences and the
 * passed-through fields (response_format…) — so only the last user message is left to compare by meaning, and it is
 * the text that gets embedded.
 */
import { hash } from "node:crypto";
import type { ChatMessage, ChatRequest } from "../engines/spec.js";
import { canonicalJson } from "./canonicalJson.js";

export type SemanticScope =
  | { eligible: true; scope: string; text: string }
  | { eligible: false; reason: "no-user-turn" | "multi-turn" | "images" | "empty" };

export interface SemanticScopeInput {
  /** The principal's user id: one user never gets another's answers. */
  tenant: string;
  /** The route the request resolved to (clients sending `auto` or the route's name share it). */
  route: string;
  request: Omit<ChatRequest, "model">;
  /** Whether a conversation (an assistant or tool turn before the last user message) is eligible. */
  multiTurn: boolean;
}

// Bumped whenever the form changes: an old scope must never be read as a new one.
const version = 1;

export function semanticScope(input: SemanticScopeInput): SemanticScope {
  const { messages, maxTokens, temperature, stop, tools, toolChoice, extra } = input.request;
  const last = messages.at(-1);
  if (last === undefined || last.role !== "user") return { eligible: false, reason: "no-user-turn" };
  const before = messages.slice(0, -1);
  if (!input.multiTurn && before.some((message) => message.role !== "system")) return { eligible: false, reason: "multi-turn" };
  // The embedding sees text only: two requests alike in words but not in pictures must not share an answer.
  if (messages.some((message) => message.images !== undefined && message.images.length > 0)) return { eligible: false, reason: "images" };
  const text = last.content?.trim() ?? "";
  if (text === "") return { eligible: false, reason: "empty" };
  const key = JSON.stringify([
    version,
    input.tenant,
    input.route,
    temperatureBand(temperature),
    before.map(messageTuple),
    // The last turn's speaker name is part of who asks, not of what is asked.
    last.name ?? null,
    maxTokens ?? null,
    stop ?? null,
    freeForm(tools),
    freeForm(toolChoice),
    freeForm(extra),
  ]);
  return { eligible: true, scope: hash("sha256", key, "hex"), text };
}

/**
 * Answers sampled alike are interchangeable: 0 (greedy), (0, 0.5], (0.5, 1], above 1, and `unset` apart from all of
 * them, since what an engine samples at by default is its own choice.
 */
export function temperatureBand(temperature: number | undefined): string {
  if (temperature === undefined) return "unset";
  if (temperature <= 0) return "0";
  if (temperature <= 0.5) return "(0,0.5]";
  if (temperature <= 1) return "(0.5,1]";
  return ">1";
}

function messageTuple(message: ChatMessage): unknown[] {
  return [message.role, message.content, message.name ?? null, message.toolCallId ?? null, freeForm(message.toolCalls)];
}

function freeForm(value: unknown): string | null {
  return value === undefined ? null : canonicalJson(value);
}
