/**
 * A `chat.completion` response body as JSON text. Only its id and creation time differ from one response to the
 * next, so for a stored answer (a cache hit replays the same entry many times) everything after them is
 * serialized once per entry and kept beside it.
 */
import type { CollectedResponse } from "../../engines/createResponseAccumulator.js";
import { completionOf } from "./completionOf.js";

const tails = new WeakMap<CollectedResponse, Map<string, string>>();

export function completionBody(id: string, created: number, model: string, response: CollectedResponse, reuse: boolean): string {
  if (!reuse) return JSON.stringify(completionOf(id, created, model, response));
  let byModel = tails.get(response);
  if (byModel === undefined) {
    byModel = new Map();
    tails.set(response, byModel);
  }
  let tail = byModel.get(model);
  if (tail === undefined) {
    // completionOf puts id, object and created first; the rest of its JSON is the same for every replay.
    const whole = JSON.stringify(completionOf("", 0, model, response));
    tail = whole.slice(whole.indexOf(',"model":'));
    byModel.set(model, tail);
  }
  return `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${created}${tail}`;
}
