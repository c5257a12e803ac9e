import { isAbortError, isGatewayError } from "../errors.js";
import type { MeterOutcome } from "./createMeter.js";

/**
 * The ledger status of a request that did not complete: a client that went away (or a shutdown) leaves it
 * `incomplete` with no error code, as the session history does; anything else is the engine's (or our) failure.
 */
export function failureOutcome(failure: unknown, signal: AbortSignal): Pick<MeterOutcome, "status" | "errorCode"> {
  if (signal.aborted || (failure !== undefined && isAbortError(failure))) return { status: "incomplete", errorCode: null };
  if (failure === undefined) return { status: "incomplete", errorCode: null };
  return { status: "failed", errorCode: isGatewayError(failure) ? failure.code : "internal_error" };
}
