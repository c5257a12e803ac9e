/**
 * Runs one tool call the model asked for and never throws: whatever happens (an unknown tool, arguments that are
 * not JSON or break the schema, a failure, the timeout, the client leaving) becomes the call's outcome, which the
 * model gets back as the tool's result and the client sees as a `tool` event. The call's signal fires on its own
 * timeout or the request's; the wait ends then even when a tool does not honour its signal.
 */
import type { ToolCall } from "../engines/spec.js";
import { isAbortError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import { isRecord } from "../isRecord.js";
import { observeToolCall, type ToolCallObservers, type ToolCallStatus } from "../observability/observeToolCall.js";
import { validateJson } from "./jsonSchemaSubset.js";
import type { ServerTool, ToolContext } from "./serverTool.js";

export type ToolErrorCode = "unknown_tool" | "invalid_arguments" | "too_many_calls" | "timeout" | "cancelled" | "failed";

export interface ToolOutcome {
  /** The call as the model made it (with an id the gateway assigned when the engine sent none). */
  call: ToolCall;
  /** The parsed arguments, or the text as sent when it was not JSON. */
  arguments: unknown;
  /** Present when the call succeeded. */
  result?: unknown;
  error?: { code: ToolErrorCode; message: string };
  durationMs: number;
}

export interface RunToolCallOptions {
  /** The tools offered in this turn, by name. */
  tools: ReadonlyMap<string, ServerTool>;
  /** Used when the tool sets none. */
  timeoutMs: number;
  context: Omit<ToolContext, "signal">;
  /** The request's signal. */
  signal: AbortSignal;
  observers: ToolCallObservers & { logger?: Logger | undefined };
}

export async function runToolCall(call: ToolCall, options: RunToolCallOptions): Promise<ToolOutcome> {
  const started = performance.now();
  const name = call.function.name;
  const tool = options.tools.get(name);
  const record = observeToolCall(options.observers, { name, callId: call.id, known: tool !== undefined });
  const end = (status: ToolCallStatus, fields: Pick<ToolOutcome, "arguments" | "result" | "error">): ToolOutcome => {
    const durationMs = Math.round(performance.now() - started);
    record(status, durationMs, fields.error?.message);
    return { call, ...fields, durationMs };
  };

  const parsed = parseArguments(call.function.arguments);
  if (!tool) return end("error", { arguments: parsed.value, error: { code: "unknown_tool", message: `there is no tool named "${name}" in this conversation` } });
  if (!parsed.ok) return end("error", { arguments: parsed.value, error: { code: "invalid_arguments", message: parsed.message } });
  const problems = tool.checksOwnArguments ? [] : validateJson(tool.parameters, parsed.value);
  if (problems.length > 0) {
    return end("error", { arguments: parsed.value, error: { code: "invalid_arguments", message: `the arguments do not match the tool's schema: ${problems.join("; ")}` } });
  }

  const timeoutMs = tool.timeoutMs ?? options.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const result = await Promise.race([tool.run(parsed.value, { ...options.context, signal }), aborted]);
    return end("ok", { arguments: parsed.value, result: result ?? null });
  } catch (error) {
    if (options.signal.aborted) return end("cancelled", { arguments: parsed.value, error: { code: "cancelled", message: "the request was cancelled" } });
    if (timeout.aborted) return end("timeout", { arguments: parsed.value, error: { code: "timeout", message: `the tool did not answer within ${timeoutMs} ms` } });
    if (isGatewayError(error)) return end("error", { arguments: parsed.value, error: { code: "failed", message: error.message } });
    // Anything else is unexpected: its text stays in the logs, where it cannot leak an internal detail to the model.
    if (!isAbortError(error)) options.observers.logger?.warn({ err: error, tool: name }, "a tool failed unexpectedly");
    return end("error", { arguments: parsed.value, error: { code: "failed", message: "the tool failed" } });
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** What the model is sent back for the call: the result as JSON (text as it is), or `{"error": message}`. */
export function toolResultContent(outcome: ToolOutcome): string {
  if (outcome.error) return JSON.stringify({ error: outcome.error.message });
  return typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result);
}

function parseArguments(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; value: unknown; message: string } {
  // Models send "" for a call without arguments.
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value)) return { ok: true, value };
    return { ok: false, value, message: "the arguments must be a JSON object" };
  } catch {
    return { ok: false, value: text, message: "the arguments are not valid JSON" };
  }
}
