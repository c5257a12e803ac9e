/** A collected answer (live or from the cache) as the Responses API's `response` object. */
import type { CollectedResponse } from "../../../engines/createResponseAccumulator.js";
import { functionCallItem, messageItem } from "./outputItems.js";
import { callId, functionCallItemId, messageItemId } from "./responseIds.js";
import { responseObject, type ResponseFrame } from "./responseObject.js";
import { responseStatusOf } from "./responseStatusOf.js";
import { responseUsage } from "./responseUsage.js";

export function responseOf(frame: ResponseFrame, collected: CollectedResponse): Record<string, unknown> {
  const { status, incomplete_details } = responseStatusOf(collected.finishReason);
  const output: Array<Record<string, unknown>> = [];
  if (collected.text !== "") output.push(messageItem(messageItemId(), collected.text, "completed"));
  for (const call of collected.toolCalls) {
    output.push(functionCallItem(functionCallItemId(), call.id === "" ? callId() : call.id, call.function.name, call.function.arguments, "completed"));
  }
  // What was being written when the limit cut it is the incomplete item; what came before it was finished.
  const last = output.at(-1);
  if (status === "incomplete" && last !== undefined) last.status = "incomplete";
  return responseObject(frame, { status, incompleteDetails: incomplete_details, output, usage: collected.usage && responseUsage(collected.usage) });
}
