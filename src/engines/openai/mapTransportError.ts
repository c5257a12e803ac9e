import { GatewayError } from "../../errors.js";

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/**
 * Classifies a failure to get an answer at all (before response headers). Nothing reached the client yet, so
 * every one of these is worth retrying elsewhere.
 */
export function mapTransportError(error: unknown): GatewayError {
  const code = errorCode(error);
  if (code === "UND_ERR_HEADERS_TIMEOUT") {
    return new GatewayError("engine_timeout", "upstream did not start answering in time", { retryable: true, cause: error });
  }
  if (code === "UND_ERR_BODY_TIMEOUT") {
    return new GatewayError("engine_timeout", "upstream stopped sending in the middle of the answer", { retryable: false, cause: error });
  }
  if (code !== undefined && unreachableCodes.has(code)) {
    return new GatewayError("engine_unavailable", `upstream is unreachable (${code})`, { retryable: true, cause: error });
  }
  return new GatewayError("engine_unavailable", "upstream request failed", { retryable: true, cause: error });
}

/** The system or undici code, looking through AggregateError (happy eyeballs) and `cause` chains. */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = errorCode(inner, depth + 1);
      if (innerCode) return innerCode;
    }
  }
  return errorCode((error as { cause?: unknown }).cause, depth + 1);
}
