/**
 * The one loop an engine call's parts go through on their way out: each part is noted for the call's end
 * (usage, finish, output size, an in-band failure), folded into a collector when the caller keeps the answer (a
 * non-streaming call, the response cache), and written to the sink (the client's stream). When the loop stops
 * (the stream ran out, failed, or the sink says the client has gone) the call's tail is settled once, which
 * releases the engine and tells its observers. Nothing wraps the parts: the observers read the end instead.
 */
import type { ResponseAccumulator } from "../engines/createResponseAccumulator.js";
import type { StreamPart } from "../engines/spec.js";
import { newCallEnd, noteCallPart, type CallEnd, type EngineCall } from "./engineCall.js";

export interface PartSink {
  /** Writes one part (never an error part); false, or a promise of false, when the client has gone. */
  write(part: StreamPart): boolean | Promise<boolean>;
}

export async function pumpCall(call: EngineCall, sink: PartSink | undefined, collector?: ResponseAccumulator): Promise<CallEnd> {
  const end = newCallEnd();
  let part: StreamPart = call.first;
  // Whether the engine's iterator may still hold an open upstream call that must be closed.
  let reading = true;
  try {
    for (;;) {
      noteCallPart(end, part);
      if (end.failure !== undefined) break;
      collector?.add(part);
      if (sink !== undefined) {
        const written = sink.write(part);
        if (written !== true && !(written !== false && (await written))) break;
      }
      const next = await call.rest.next();
      if (next.done) {
        reading = false;
        end.completed = true;
        break;
      }
      part = next.value;
    }
  } catch (error) {
    reading = false;
    end.failure = call.explain(error);
  }
  if (reading) await call.rest.return?.().catch(() => undefined);
  call.finish(end);
  return end;
}
