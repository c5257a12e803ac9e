/**
 * One tool exchange of the server-tool loop: the server calls of an answer run (in parallel, each within its
 * timeout, at most tools.maxCallsPerStep, with spans and tool metrics), and the prompt grows by the answer with
 * its calls and one `tool` message per call, in the answer's order. A tool that fails is a result the model reads,
 * never a failed request. A client's call in the same answer is not run here: its result tells the model to ask
 * for it again, so it reaches the client in an answer that holds only calls the client can run.
 */
import type { Principal } from "../auth/principal.js";
import { viewerOf } from "../documents/viewerOf.js";
import type { ChatMessage, ToolCall } from "../engines/spec.js";
import type { Logger } from "../logger.js";
import type { ToolCallObservers } from "../observability/observeToolCall.js";
import type { ToolLoopSettings } from "../tools/createToolbox.js";
import { runToolCalls } from "../tools/runToolCalls.js";
import { toolResultContent, type ToolOutcome } from "../tools/runToolCall.js";
import type { ServerTool } from "../tools/serverTool.js";

export interface ServerCallOptions {
  tools: ReadonlyMap<string, ServerTool>;
  settings: ToolLoopSettings;
  principal: Principal;
  signal: AbortSignal;
  observers: ToolCallObservers & { logger?: Logger | undefined };
}

/** `calls` carry ids (see withCallIds); `text` is what the answer said beside them. */
export async function runServerCalls(text: string, calls: readonly ToolCall[], options: ServerCallOptions): Promise<ChatMessage[]> {
  const serverCalls = calls.filter((call) => options.tools.has(call.function.name));
  const outcomes = new Map<string, ToolOutcome>();
  for await (const outcome of runToolCalls(serverCalls, options.settings.maxCallsPerStep, {
    tools: options.tools,
    timeoutMs: options.settings.timeoutMs,
    // No session and no project: search_documents reads every project the caller may read, as on /mcp.
    context: { viewer: viewerOf(options.principal), sessionId: "", projectId: undefined },
    signal: options.signal,
    observers: options.observers,
  })) {
    outcomes.set(outcome.call.id, outcome);
  }
  return [
    { role: "assistant", content: text === "" ? null : text, toolCalls: [...calls] },
    ...calls.map((call): ChatMessage => {
      const outcome = outcomes.get(call.id);
      return { role: "tool", toolCallId: call.id, content: outcome === undefined ? deferred(call) : toolResultContent(outcome) };
    }),
  ];
}

function deferred(call: ToolCall): string {
  return JSON.stringify({
    error: `not run yet: "${call.function.name}" runs elsewhere, after the other tools of this answer; call it again now that their results are in`,
  });
}
