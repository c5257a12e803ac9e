import { DelegateBackoff, type IRetryBackoffContext } from "cockatiel";
import { isGatewayError } from "../errors.js";
import type { RetryConfig } from "../config/policySchema.js";

/**
 * Exponential backoff with full jitter, stretched to the upstream's Retry-After when it asked for longer.
 * Jitter keeps a fleet of gateways from retrying in lockstep against a recovering upstream.
 */
export function retryBackoff(config: RetryConfig, random: () => number = Math.random): DelegateBackoff<IRetryBackoffContext<unknown>> {
  return new DelegateBackoff((context: IRetryBackoffContext<unknown>) => {
    const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** (context.attempt - 1));
    const jittered = Math.round(random() * ceiling);
    const error = "error" in context.result ? context.result.error : undefined;
    const asked = isGatewayError(error) ? (error.retryAfterMs ?? 0) : 0;
    return Math.min(config.maxDelayMs, Math.max(jittered, asked));
  });
}
