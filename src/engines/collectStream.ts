import type { StreamPart } from "./spec.js";
import { createResponseAccumulator, type CollectedResponse } from "./createResponseAccumulator.js";

export type { CollectedResponse };

/** A non-streaming call is the stream collected. */
export async function collectStream(parts: AsyncIterable<StreamPart>): Promise<CollectedResponse> {
  const response = createResponseAccumulator();
  for await (const part of parts) response.add(part);
  return response.result();
}
