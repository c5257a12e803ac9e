/**
 * What the guardrail tests send and read: a streamed request on each API family with the text the client
 * assembles from its events, the ledger rows of a gateway, and the error envelopes' fields.
 */
import { parseSse, postJson, type SseEvent } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";
import type { TestGateway } from "../support/startGateway.js";
import type { UsageList, UsageRow } from "../http/usageTypes.js";

export type ApiFamily = "chat" | "messages" | "responses" | "session";

export const apiFamilies: readonly ApiFamily[] = ["chat", "messages", "responses", "session"];

export interface Streamed {
  status: number;
  /** The raw body: what went over the wire, to check nothing leaked outside the events read. */
  raw: string;
  events: SseEvent[];
  /** The answer's text as the client assembles it from its deltas. */
  text: string;
  /** The event that ended the stream. */
  last: SseEvent | undefined;
}

const paths: Record<ApiFamily, string> = { chat: "/v1/chat/completions", messages: "/v1/messages", responses: "/v1/responses", session: "/api/v2/chat/stream" };

/** A body for the family with one user message; `model` is a route, `engine/model` or `auto`. */
export function bodyFor(family: ApiFamily, message: string, model: string, stream: boolean): Record<string, unknown> {
  switch (family) {
    case "chat":
      return { model, stream, messages: [{ role: "user", content: message }] };
    case "messages":
      return { model, stream, max_tokens: 200, messages: [{ role: "user", content: message }] };
    case "responses":
      return { model, stream, input: message };
    case "session": {
      // The session API names an engine and a model apart, or a route as its engine.
      const slash = model.indexOf("/");
      return slash < 0 ? { message, engine: model } : { message, engine: model.slice(0, slash), model: model.slice(slash + 1) };
    }
  }
}

export function post(gateway: TestGateway, family: ApiFamily, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(`${gateway.url}${paths[family]}`, body, headers);
}

export async function stream(gateway: TestGateway, family: ApiFamily, message: string, model: string, headers: Record<string, string> = {}): Promise<Streamed> {
  const response = await post(gateway, family, bodyFor(family, message, model, true), headers);
  const raw = await response.text();
  const events = parseSse(raw);
  return { status: response.status, raw, events, text: events.map((event) => deltaOf(family, event)).join(""), last: events.at(-1) };
}

function deltaOf(family: ApiFamily, event: SseEvent): string {
  if (event.data === "[DONE]" || !event.data.startsWith("{")) return "";
  const data = JSON.parse(event.data) as Record<string, unknown>;
  switch (family) {
    case "chat": {
      const choices = data.choices as Array<{ delta?: { content?: string } }> | undefined;
      return choices?.[0]?.delta?.content ?? "";
    }
    case "messages":
      return event.event === "content_block_delta" ? ((data.delta as { text?: string }).text ?? "") : "";
    case "responses":
      return event.event === "response.output_text.delta" ? (data.delta as string) : "";
    case "session":
      return event.event === "token" ? (data.text as string) : "";
  }
}

/** The error a stream ended with, as each family's error event carries it: its code and the rule. */
export interface StreamFailure {
  code: string;
  message: string;
  rule?: string;
}

export function streamError(family: ApiFamily, last: SseEvent | undefined): StreamFailure | undefined {
  if (last === undefined || last.data === "[DONE]") return undefined;
  const data = JSON.parse(last.data) as Record<string, unknown>;
  switch (family) {
    case "chat":
      return data.error as StreamFailure | undefined;
    case "messages":
      return last.event === "error" ? (data.error as StreamFailure) : undefined;
    case "responses":
      return last.event === "response.failed" ? (data.response as { error: StreamFailure }).error : undefined;
    case "session":
      return last.event === "error" ? (data as unknown as StreamFailure) : undefined;
  }
}

/** An error response's code and rule, from the family's envelope. */
export function envelopeError(body: unknown): { code?: string; rule?: string; type?: string } {
  return ((body as { error?: { code?: string; rule?: string; type?: string } }).error ?? {});
}

/** The gateway's ledger rows (auth none: the local admin reads them), once `count` match. */
export async function ledgerRows(gateway: TestGateway, query: string, count: number, headers: Record<string, string> = {}): Promise<UsageRow[]> {
  return eventually(
    async () => {
      const response = await fetch(`${gateway.url}/api/v2/admin/usage?limit=100&${query}`, { headers });
      const list = (await response.json()) as UsageList;
      return list.data.length >= count ? list.data : undefined;
    },
    5000,
    `${count} ledger rows for ${query}`,
  );
}
