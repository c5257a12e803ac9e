/**
 * The `webhook` rule: the text goes to the operator's service as a signed POST (the `x-switchyard-signature`
 * scheme of webhook deliveries, so one receiver check serves both), which answers `{action: "allow" | "refuse" |
 * "rewrite", text?, reason?}`. No answer within `timeoutMs` is a timeout and any other failure (no connection, a
 * non-2xx status, an answer that is not a verdict) an error; each resolves as the rule says: `allow` lets the
 * text through (fail-open), `refuse` refuses it (fail-closed). The request's own signal firing (the client left)
 * is no verdict at all: it rejects.
 */
import { request, type Dispatcher } from "undici";
import { z } from "zod";
import { signWebhook, SIGNATURE_HEADER } from "../webhooks/signWebhook.js";
import type { GuardrailStage } from "../config/guardrailsSchema.js";

const MAX_ANSWER_BYTES = 1_048_576;

export interface WebhookPayload {
  stage: GuardrailStage;
  rule: string;
  requestId: string;
  traceId: string;
  /** The route, `auto` or `engine/model` the request asked for. */
  route: string;
  keyId: string | null;
  /** What the verdict is about: the latest user message (input), the answer or a window of a streamed one (output). */
  text: string;
  /** Input only: the whole prompt (text content), for context. A rewrite replaces `text` only. */
  messages?: Array<{ role: string; content: string }>;
}

export type WebhookVerdict =
  | { action: "allow" }
  | { action: "refuse"; reason?: string | undefined }
  | { action: "rewrite"; text: string }
  | { action: "error"; failure: "timeout" | "error"; detail: string; outcome: "allow" | "refuse" };

export type WebhookCheck = (payload: WebhookPayload, signal: AbortSignal) => Promise<WebhookVerdict>;

export interface WebhookRuleSettings {
  url: string;
  secret: string;
  timeoutMs: number;
  onTimeout: "allow" | "refuse";
  onError?: "allow" | "refuse" | undefined;
}

const answerSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("allow") }),
  z.object({ action: z.literal("refuse"), reason: z.string().optional() }),
  z.object({ action: z.literal("rewrite"), text: z.string() }),
]);

export function createWebhookCheck(settings: WebhookRuleSettings, dispatcher: Dispatcher): WebhookCheck {
  const onError = settings.onError ?? settings.onTimeout;
  return async (payload, signal) => {
    const body = JSON.stringify(payload);
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const failed = (failure: "timeout" | "error", detail: string): WebhookVerdict => ({
      action: "error",
      failure,
      detail,
      outcome: failure === "timeout" ? settings.onTimeout : onError,
    });
    let answer: string;
    try {
      const response = await request(settings.url, {
        method: "POST",
        dispatcher,
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signWebhook(settings.secret, body), "x-switchyard-event": "guardrail.check" },
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      answer = await readLimited(response.body);
      if (response.statusCode < 200 || response.statusCode >= 300) return failed("error", `the webhook answered ${response.statusCode}`);
    } catch (error) {
      if (signal.aborted) throw error;
      if (timeout.aborted) return failed("timeout", `no answer within ${settings.timeoutMs} ms`);
      return failed("error", error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch {
      return failed("error", "the answer is not JSON");
    }
    const verdict = answerSchema.safeParse(parsed);
    if (!verdict.success) return failed("error", 'the answer is not {action: "allow" | "refuse" | "rewrite", text?, reason?}');
    return verdict.data;
  };
}

async function readLimited(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
