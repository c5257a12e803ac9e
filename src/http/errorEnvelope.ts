/**
 * One envelope per API family: Anthropic's on /v1/messages, OpenAI's on the rest of /v1, Switchyard's on /api/v2
 * (and everything else).
 */
import type { ErrorCode } from "../errors.js";
import { createScrubber } from "../observability/createScrubber.js";

// Error messages can quote upstream bodies; whatever credential shape hides in them never leaves.
const scrub = createScrubber();

export type ApiFamily = "anthropic" | "openai" | "switchyard";

export function apiFamilyOf(url: string): ApiFamily {
  if (url.startsWith("/v1/messages") && (url.length === 12 || url[12] === "/" || url[12] === "?")) return "anthropic";
  return url.startsWith("/v1/") || url === "/v1" ? "openai" : "switchyard";
}

const openAITypeByCode: Partial<Record<ErrorCode, string>> = {
  invalid_request: "invalid_request_error",
  not_found: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  csrf_failed: "permission_error",
  rate_limited: "rate_limit_error",
  budget_exceeded: "insufficient_quota",
  guardrail_refused: "invalid_request_error",
};

// Anthropic's error types (its clients branch on them), by the gateway's codes; the HTTP status stays the code's.
const anthropicTypeByCode: Record<ErrorCode, string> = {
  invalid_request: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  csrf_failed: "permission_error",
  not_found: "not_found_error",
  payload_too_large: "request_too_large",
  rate_limited: "rate_limit_error",
  budget_exceeded: "billing_error",
  guardrail_refused: "invalid_request_error",
  engine_unavailable: "api_error",
  engine_overloaded: "overloaded_error",
  engine_timeout: "timeout_error",
  upstream_error: "api_error",
  store_unavailable: "api_error",
  server_overloaded: "overloaded_error",
  request_timeout: "timeout_error",
  internal_error: "api_error",
};

export interface ErrorEnvelopeInput {
  code: ErrorCode;
  message: string;
  traceId: string;
  param?: string | undefined;
  /** The guardrail rule that refused the request, beside the code. */
  rule?: string | undefined;
}

export function errorEnvelope(family: ApiFamily, input: ErrorEnvelopeInput): Record<string, unknown> {
  if (family === "anthropic") {
    // Anthropic's shape, with the gateway's stable code beside its type (its clients ignore fields they do not know).
    return {
      type: "error",
      error: { type: anthropicTypeByCode[input.code], message: scrub(input.message), code: input.code, ...ruleOf(input) },
      request_id: input.traceId,
    };
  }
  if (family === "openai") {
    return {
      error: {
        message: scrub(input.message),
        type: openAITypeByCode[input.code] ?? "server_error",
        code: input.code,
        param: input.param ?? null,
        traceId: input.traceId,
        ...ruleOf(input),
      },
    };
  }
  return { error: { code: input.code, message: scrub(input.message), traceId: input.traceId, ...(input.param ? { param: input.param } : {}), ...ruleOf(input) } };
}

function ruleOf(input: ErrorEnvelopeInput): { rule?: string } {
  return input.rule === undefined ? {} : { rule: input.rule };
}
