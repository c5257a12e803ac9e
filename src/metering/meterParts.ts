/**
 * Passes a stream's parts through unchanged while noting what metering needs: the usage part, the output
 * bytes sent (to estimate a cut stream), and how the stream ended. `onEnd` runs exactly once, when the
 * stream finishes, fails, or its consumer stops reading (a client gone, an error part written).
 */
import type { StreamPart, Usage } from "../engines/spec.js";
import { isAbortError, isGatewayError } from "../errors.js";
import type { MeterOutcome } from "./createMeter.js";
import { tapParts } from "../engines/tapParts.js";

export interface StreamEnd {
  usage: Usage | undefined;
  /** UTF-8 bytes of text and tool-call deltas passed on. */
  outputBytes: number;
  /** Every part was read and none was an error. */
  finished: boolean;
  /** The in-band error part or the thrown error that ended the stream, if any. */
  failure: unknown;
}

export function meterParts(parts: AsyncIterable<StreamPart>, onEnd: (end: StreamEnd) => void): AsyncIterableIterator<StreamPart> {
  let usage: Usage | undefined;
  let outputBytes = 0;
  let inBand: unknown;
  return tapParts(parts, {
    part(part) {
      if (part.type === "text-delta") outputBytes += Buffer.byteLength(part.text);
      else if (part.type === "tool-call-delta") outputBytes += Buffer.byteLength(part.name ?? "") + Buffer.byteLength(part.argumentsDelta ?? "");
      else if (part.type === "usage") usage = part.usage;
      else if (part.type === "error") inBand = part.error;
    },
    end(completed, error) {
      onEnd({ usage, outputBytes, finished: completed && inBand === undefined, failure: error ?? inBand });
    },
  });
}

/**
 * The ledger status of a request that did not complete: a client that went away (or a shutdown) leaves it
 * `incomplete` with no error code, as the session history does; anything else is the engine's (or our) failure.
 */
export function failureOutcome(failure: unknown, signal: AbortSignal): Pick<MeterOutcome, "status" | "errorCode"> {
  if (signal.aborted || (failure !== undefined && isAbortError(failure))) return { status: "incomplete", errorCode: null };
  if (failure === undefined) return { status: "incomplete", errorCode: null };
  return { status: "failed", errorCode: isGatewayError(failure) ? failure.code : "internal_error" };
}
