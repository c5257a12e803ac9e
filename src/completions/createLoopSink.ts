/**
 * One client stream over the several engine calls of a server-tool loop. Each call (step) gets a sink of its own
 * from `step()`, which the pipeline opens, writes and closes as it would the client's; underneath, the client's
 * sink is opened once (with the first step's head), every step's text goes to it as it comes, and what only the
 * last step may say is held back: tool-call deltas (a server call is never shown; the client's calls are sent
 * whole once the answer is known to be the client's), the finish and the usage (of every step, added up). The
 * client's stream ends once, by `finish` or `end`.
 */
import { createResponseAccumulator, type CollectedResponse } from "../engines/createResponseAccumulator.js";
import type { StreamPart, Usage } from "../engines/spec.js";
import type { CompletionSink } from "./completionSink.js";

export interface StreamEnd {
  completed: boolean;
  failure: unknown;
}

export interface StepSink extends CompletionSink {
  /** How the pipeline ended the step; undefined until it closed the sink. */
  ended(): StreamEnd | undefined;
  /** The step's answer as far as it came: its text, tool calls, finish and usage. */
  response(): CollectedResponse;
}

export interface LoopSink {
  /** Whether the client's stream is open: after that, a failure is told in the stream, not as an HTTP error. */
  opened(): boolean;
  step(): StepSink;
  /** Sends the last answer's tool calls, its finish and the usage given, and ends the stream as a success. */
  finish(response: CollectedResponse, usage: Usage | undefined): Promise<void>;
  /** Ends the stream with nothing more: with the error event when there is a failure, else quietly (the client left). */
  end(end: StreamEnd): Promise<void>;
  /** Tells an open stream it is alive (while server tools run). */
  keepalive(): void;
}

export function createLoopSink(client: CompletionSink): LoopSink {
  let opened = false;
  let closed = false;
  const send = async (part: StreamPart): Promise<boolean> => {
    const written = client.write(part);
    return written === true || (written !== false && (await written));
  };
  const close = async (end: StreamEnd) => {
    if (closed) return;
    closed = true;
    await client.close(end);
  };

  return {
    opened: () => opened,
    step() {
      const collected = createResponseAccumulator();
      let ended: StreamEnd | undefined;
      return {
        open(head) {
          if (opened) return;
          opened = true;
          client.open(head);
        },
        write(part) {
          // The pipeline writes no error part; one would end the step when collected.
          if (part.type === "error") return true;
          collected.add(part);
          return part.type === "text-delta" ? client.write(part) : true;
        },
        refusal: () => client.refusal?.(),
        close(end) {
          ended = end;
        },
        ended: () => ended,
        response: () => collected.result(),
      };
    },
    async finish(response, usage) {
      const parts: StreamPart[] = response.toolCalls.map((call, index) => ({
        type: "tool-call-delta",
        index,
        id: call.id,
        name: call.function.name,
        argumentsDelta: call.function.arguments,
      }));
      if (response.finishReason !== undefined) parts.push({ type: "finish", reason: response.finishReason });
      if (usage !== undefined) parts.push({ type: "usage", usage });
      for (const part of parts) {
        if (!(await send(part))) return close({ completed: false, failure: client.refusal?.() });
      }
      await close({ completed: true, failure: undefined });
    },
    end: (end) => close(end),
    keepalive() {
      if (opened && !closed) client.keepalive?.();
    },
  };
}
