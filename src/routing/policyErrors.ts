import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { GatewayError, isGatewayError, type ErrorCode } from "../errors.js";

/** Codes that say the engine, not the request, is at fault: they count against its circuit breaker. */
const engineFaults = new Set<ErrorCode>(["engine_unavailable", "engine_timeout", "upstream_error", "engine_overloaded"]);

export function isEngineFault(error: unknown): boolean {
  return isGatewayError(error) && engineFaults.has(error.code);
}

/**
 * Whether the same engine is worth another try: the adapter marked the failure retryable (connect errors, 429,
 * 5xx, a stream cut before any output) and any Retry-After fits within the backoff ceiling.
 */
export function isRetryable(error: unknown, maxDelayMs: number): boolean {
  if (!isGatewayError(error) || !error.retryable) return false;
  if (error.code !== "engine_unavailable" && error.code !== "upstream_error" && error.code !== "engine_overloaded") return false;
  return error.retryAfterMs === undefined || error.retryAfterMs <= maxDelayMs;
}

/** cockatiel's rejections, in the gateway's words. */
export function fromPolicyError(error: unknown, engine: string, halfOpenAfterMs: number): unknown {
  if (error instanceof BulkheadRejectedError) {
    return new GatewayError("engine_overloaded", `engine ${engine} is at capacity`, { retryAfterSeconds: 1, cause: error });
  }
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new GatewayError("engine_unavailable", `engine ${engine} is failing (circuit open); not trying it for now`, {
      retryAfterSeconds: Math.max(1, Math.ceil(halfOpenAfterMs / 1000)),
      cause: error,
    });
  }
  if (error instanceof TaskCancelledError) {
    return new GatewayError("engine_timeout", `engine ${engine} timed out`, { cause: error });
  }
  return error;
}

/**
 * An engine's fault with the engine named first (`engine vllm: upstream is unreachable (ECONNREFUSED)`), so a
 * client's error, a log line and the admin view say which upstream failed; a message that names it already is kept.
 */
export function namedByEngine(error: unknown, engine: string): unknown {
  if (!isEngineFault(error)) return error;
  const fault = error as GatewayError;
  if (fault.message.startsWith(`engine ${engine}`)) return fault;
  return new GatewayError(fault.code, `engine ${engine}: ${fault.message}`, {
    status: fault.status,
    ...(fault.param !== undefined ? { param: fault.param } : {}),
    ...(fault.retryAfterMs !== undefined ? { retryAfterMs: fault.retryAfterMs } : {}),
    retryable: fault.retryable,
    cause: fault.cause ?? fault,
  });
}
