/**
 * One envelope per API family: OpenAI's shape on /v1, Switchyard's on /api/v2 (and everything else).
 */
import type { ErrorCode } from "../errors.js";
import { createScrubber } from "../observability/createScrubber.js";

// Error messages can quote upstream bodies; whatever credential shape hides in them never leaves.
const scrub = createScrubber();

export type ApiFamily = "openai" | "switchyard";

export function apiFamilyOf(url: string): ApiFamily {
  return url.startsWith("/v1/") || url === "/v1" ? "openai" : "switchyard";
}

const openAITypeByCode: Partial<Record<ErrorCode, string>> = {
  invalid_request: "invalid_request_error",
  not_found: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  rate_limited: "rate_limit_error",
  budget_exceeded: "insufficient_quota",
};

export interface ErrorEnvelopeInput {
  code: ErrorCode;
  message: string;
  traceId: string;
  param?: string | undefined;
}

export function errorEnvelope(family: ApiFamily, input: ErrorEnvelopeInput): Record<string, unknown> {
  if (family === "openai") {
    return {
      error: {
        message: scrub(input.message),
        type: openAITypeByCode[input.code] ?? "server_error",
        code: input.code,
        param: input.param ?? null,
        traceId: input.traceId,
      },
    };
  }
  return { error: { code: input.code, message: scrub(input.message), traceId: input.traceId, ...(input.param ? { param: input.param } : {}) } };
}
