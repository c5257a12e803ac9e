/**
 * Runs the tool calls of one engine answer in parallel (each with its own timeout) and yields each outcome as it
 * completes, so the client sees a quick tool's event without waiting for a slow one. Calls beyond
 * `maxCallsPerStep` are answered without running.
 */
import type { ToolCall } from "../engines/spec.js";
import { runToolCall, type RunToolCallOptions, type ToolOutcome } from "./runToolCall.js";

export async function* runToolCalls(calls: readonly ToolCall[], maxCalls: number, options: RunToolCallOptions): AsyncGenerator<ToolOutcome> {
  const pending = new Map<number, Promise<{ index: number; outcome: ToolOutcome }>>();
  calls.forEach((call, index) => {
    const outcome =
      index < maxCalls
        ? runToolCall(call, options)
        : Promise.resolve<ToolOutcome>({
            call,
            arguments: call.function.arguments,
            error: { code: "too_many_calls", message: `at most ${maxCalls} tool calls run per answer; this one was not run` },
            durationMs: 0,
          });
    pending.set(index, outcome.then((settled) => ({ index, outcome: settled })));
  });
  while (pending.size > 0) {
    const { index, outcome } = await Promise.race(pending.values());
    pending.delete(index);
    yield outcome;
  }
}
