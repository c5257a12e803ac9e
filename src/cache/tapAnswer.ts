/**
 * Passes a live stream through untouched while collecting it, and hands over the collected answer only when the
 * stream ended cleanly with a finish reason: a stream cut short, failed in-band or abandoned by its reader is never
 * stored.
 */
import { createResponseAccumulator, type CollectedResponse } from "../engines/createResponseAccumulator.js";
import type { StreamPart } from "../engines/spec.js";
import { isCacheable } from "./cachedAnswer.js";
import { tapParts } from "../engines/tapParts.js";

export function tapAnswer(parts: AsyncIterable<StreamPart>, onComplete: (response: CollectedResponse) => void): AsyncIterableIterator<StreamPart> {
  const collected = createResponseAccumulator();
  let failed = false;
  return tapParts(parts, {
    part(part) {
      if (part.type === "error") failed = true;
      else collected.add(part);
    },
    end(completed) {
      if (!completed || failed) return;
      const response = collected.result();
      if (isCacheable(response)) onComplete(response);
    },
  });
}
