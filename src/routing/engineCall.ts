/**
 * One engine call as the router hands it out once the engine produced its first part: the part, the engine's
 * iterator for the rest, and the call's tail (its bulkhead slot, the breaker's verdict, the deadline, the drain
 * count and the observers), which `finish` settles exactly once when the consumer is done with it. Consumers read
 * it in one loop (pumpCall) and observe it there; nothing wraps the parts on their way.
 */
import type { FinishReason, StreamPart, Usage } from "../engines/spec.js";

export interface CallEnd {
  /** The engine's stream ran out and no part was an error. */
  completed: boolean;
  /** The in-band error part or the thrown error that ended the stream, if any. */
  failure: unknown;
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
  /** UTF-8 bytes of the text and tool-call deltas read: what the output is estimated from without usage. */
  outputBytes: number;
}

export interface EngineCall {
  /** The engine's name. */
  readonly engine: string;
  readonly first: StreamPart;
  /** The engine's own iterator, past the first part. */
  readonly rest: AsyncIterator<StreamPart>;
  /** Undefined for a whole answer asked for at once: it has no first token of its own. */
  readonly ttftMs: number | undefined;
  /** Tries it took on this engine (1 = no retry). */
  readonly attempts: number;
  /** A failure while reading, as the consumer should see it (the total limit firing becomes engine_timeout). */
  explain(error: unknown): unknown;
  /** Settles the call's tail; only the first call counts. */
  finish(end: CallEnd): void;
}

export function newCallEnd(): CallEnd {
  return { completed: false, failure: undefined, usage: undefined, finishReason: undefined, outputBytes: 0 };
}

/**
 * The call's parts as an iterable, for consumers that want `for await` (the session pipeline, tests). It settles
 * the tail as pumpCall does; the hot paths use pumpCall directly.
 */
export async function* callParts(call: EngineCall): AsyncGenerator<StreamPart> {
  const end = newCallEnd();
  let part: StreamPart = call.first;
  let reading = true;
  try {
    for (;;) {
      noteCallPart(end, part);
      yield part;
      if (end.failure !== undefined) return;
      const next = await call.rest.next();
      if (next.done) {
        reading = false;
        end.completed = true;
        return;
      }
      part = next.value;
    }
  } catch (error) {
    reading = false;
    end.failure = call.explain(error);
    throw end.failure;
  } finally {
    // A consumer that leaves early (a client gone, an error part read) must still close the upstream call.
    if (reading) await call.rest.return?.().catch(() => undefined);
    call.finish(end);
  }
}

/** What a part tells the call's end: output size, usage, finish reason, an in-band failure. */
export function noteCallPart(end: CallEnd, part: StreamPart): void {
  switch (part.type) {
    case "text-delta":
      end.outputBytes += Buffer.byteLength(part.text);
      break;
    case "tool-call-delta":
      if (part.name !== undefined) end.outputBytes += Buffer.byteLength(part.name);
      if (part.argumentsDelta !== undefined) end.outputBytes += Buffer.byteLength(part.argumentsDelta);
      break;
    case "usage":
      end.usage = part.usage;
      break;
    case "finish":
      end.finishReason = part.reason;
      break;
    case "error":
      end.failure = part.error;
      break;
  }
}
