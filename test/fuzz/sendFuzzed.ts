/**
 * Sends fuzzed bodies to one route of a running gateway, a few at a time over keep-alive connections, and
 * collects every answer that breaks the rule: a status below 500, and for 4xx a stable error code in the
 * envelope of the path's API family.
 */
import { Pool } from "undici";
import type { ErrorCode } from "../../src/errors.js";
import { statusForCode } from "../../src/errors.js";
import type { FuzzBody } from "./fuzzBodies.js";

export interface FuzzTarget {
  method: "POST" | "PATCH" | "PUT";
  path: string;
}

export interface FuzzFailure {
  label: string;
  status: number;
  problem: string;
  /** The start of the body that caused it. */
  excerpt: string;
  response: string;
}

const codes = new Set<string>([
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "payload_too_large",
  "rate_limited",
  "budget_exceeded",
  "engine_unavailable",
  "engine_overloaded",
  "engine_timeout",
  "upstream_error",
  "store_unavailable",
  "internal_error",
]);

/** Connection errors a client may see when the server answers 413 and closes before reading the whole body. */
const cutOff = /EPIPE|ECONNRESET|other side closed|UND_ERR_SOCKET/;

export async function sendFuzzed(
  baseUrl: string,
  target: FuzzTarget,
  bodies: readonly FuzzBody[],
  options: { bodyLimitBytes: number; concurrency?: number },
): Promise<{ failures: FuzzFailure[]; statuses: Map<number, number> }> {
  const concurrency = options.concurrency ?? 8;
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1 });
  const failures: FuzzFailure[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const fuzzed = bodies[next++]!;
      const headers: Record<string, string> = {};
      if (fuzzed.contentType !== undefined) headers["content-type"] = fuzzed.contentType;
      const excerpt = (typeof fuzzed.body === "string" ? fuzzed.body : fuzzed.body.toString("latin1")).slice(0, 300);
      let status: number;
      let text: string;
      let contentType: string;
      try {
        const response = await pool.request({ method: target.method, path: target.path, headers, body: fuzzed.body });
        status = response.statusCode;
        contentType = String(response.headers["content-type"] ?? "");
        text = await response.body.text();
      } catch (error) {
        // Refusing to read an oversized body is right; whether the 413 arrives before the socket closes is a race.
        if (Buffer.byteLength(fuzzed.body) > options.bodyLimitBytes && cutOff.test(String(error))) {
          statuses.set(413, (statuses.get(413) ?? 0) + 1);
          continue;
        }
        failures.push({ label: fuzzed.label, status: 0, problem: `request failed: ${String(error)}`, excerpt, response: "" });
        continue;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const problem = problemWith(target.path, status, contentType, text);
      if (problem) failures.push({ label: fuzzed.label, status, problem, excerpt, response: text.slice(0, 500) });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  return { failures, statuses };
}

// The error types Anthropic documents.
const anthropicTypes = new Set([
  "invalid_request_error", "authentication_error", "permission_error", "not_found_error", "request_too_large",
  "rate_limit_error", "billing_error", "api_error", "overloaded_error", "timeout_error",
]);

function problemWith(path: string, status: number, contentType: string, text: string): string | undefined {
  if (status >= 500) return `server error ${status}`;
  if (status < 400) return undefined;
  if (!contentType.startsWith("application/json")) return `error with content-type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "error body is not JSON";
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== "object") return "no error object";
  const code = error.code;
  if (typeof code !== "string" || !codes.has(code)) return `unknown error code ${String(code)}`;
  // 415 is invalid_request's status for a wrong content type; every other code keeps its own status.
  const expected = code === "invalid_request" && status === 415 ? 415 : statusForCode(code as ErrorCode);
  if (expected !== status) return `code ${code} with status ${status} (expected ${expected})`;
  if (typeof error.message !== "string" || error.message.length === 0) return "no error message";
  if (path.startsWith("/v1/messages")) {
    const envelope = body as { type?: unknown; request_id?: unknown };
    if (envelope.type !== "error") return "Anthropic envelope without type error";
    if (typeof error.type !== "string" || !anthropicTypes.has(error.type)) return `Anthropic envelope with error type ${String(error.type)}`;
    if (typeof envelope.request_id !== "string" || envelope.request_id.length === 0) return "no request_id";
    return undefined;
  }
  if (typeof error.traceId !== "string" || error.traceId.length === 0) return "no traceId";
  if (path.startsWith("/v1/")) {
    if (typeof error.type !== "string") return "OpenAI envelope without type";
    if (!("param" in error)) return "OpenAI envelope without param";
  } else if ("type" in error) {
    return "Switchyard envelope with an OpenAI type";
  }
  return undefined;
}
