/**
 * A session turn from its first engine call to its end: the answer streams to the client as tokens; when the model
 * asks for server-side tools, they run (in parallel, each bounded by its timeout), each outcome is sent as a
 * `tool` event, the exchange is stored in the session (the answer with its tool calls, a `tool` message per
 * result) and appended to the prompt, and the engine is called again — at most `maxSteps` calls in a turn. Each
 * call is metered and stored as it ends, so however the turn ends (done, failed, the client gone) every engine
 * call is in the ledger and no answer is left marked complete that was not.
 */
import type { Logger } from "../logger.js";
import type { Session } from "../store/sessions.js";
import type { Citation, Message } from "../store/messages.js";
import type { ChatMessage, FinishReason, StreamPart, ToolCall } from "../engines/spec.js";
import type { Plan, Router } from "../routing/createRouter.js";
import { callParts } from "../routing/engineCall.js";
import type { CallTiming } from "../observability/observeEngineCall.js";
import type { MeterTicket } from "../metering/createMeter.js";
import { createResponseAccumulator, type ResponseAccumulator } from "../engines/createResponseAccumulator.js";
import { failureOutcome } from "../metering/failureOutcome.js";
import { outputBytesOf } from "../metering/estimateTokens.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import { toolDefinition, type ServerTool, type ToolContext } from "../tools/serverTool.js";
import type { ToolLoopSettings } from "../tools/createToolbox.js";
import { runToolCalls } from "../tools/runToolCalls.js";
import { withCallIds } from "../tools/withCallIds.js";
import { toolResultContent, type ToolOutcome } from "../tools/runToolCall.js";
import type { ToolCallObservers } from "../observability/observeToolCall.js";
import type { ChosenVariant } from "./chooseVariant.js";
import type { TurnMeter } from "./meterTurn.js";
import type { TurnRecorder } from "./recordTurn.js";
import type { SessionEvent } from "./sessionEvents.js";
import type { OutputWindow } from "../guardrails/createOutputWindow.js";
import { guardParts } from "../guardrails/guardParts.js";

export interface TurnSetup {
  router: Router;
  plan: Plan;
  logger: Logger;
  request: {
    engine?: string | undefined;
    /** The limit on each call's answer: the client's or the experiment variant's, whichever is lower. */
    maxTokens?: number | undefined;
    traceId: string;
    traceparent?: string | undefined;
    signal: AbortSignal;
    timing?: CallTiming | undefined;
  };
  session: Session;
  variant: ChosenVariant | undefined;
  /** The first call's messages; the tool exchanges of the turn are appended to it. */
  prompt: ChatMessage[];
  tools: readonly ServerTool[];
  settings: ToolLoopSettings;
  toolContext: Omit<ToolContext, "signal">;
  observers: ToolCallObservers;
  metering: TurnMeter;
  recorder: TurnRecorder;
  /** The first answer's placeholder and its reservation. */
  first: { assistant: Message; ticket: MeterTicket };
  /** What retrieval put into the prompt; undefined when the turn asked for none. */
  citations: Citation[] | undefined;
  startedAt: number;
  /** The guardrails' check of each engine call's answer; absent when no rule checks output. */
  outputWindow?: (() => OutputWindow | undefined) | undefined;
}

interface Step {
  number: number;
  assistant: Message;
  ticket: MeterTicket | undefined;
  startedAt: number;
  response: ResponseAccumulator;
  served: { engine: string; model: string; ttftMs: number | undefined } | undefined;
  closed: boolean;
}

interface StepEnd {
  completed: boolean;
  failure?: unknown;
  /** The calls as stored (with the ids the gateway filled in). */
  toolCalls?: ToolCall[];
  /** Replaces the message's citations (an answer that led to another step hands them on to it). */
  citations?: Citation[] | null;
}

/** Resolves once the first call produced its first part; rejects (with the turn stored as failed) when it did not. */
export async function openTurn(setup: TurnSetup): Promise<AsyncIterable<SessionEvent>> {
  const { request, recorder, metering, settings } = setup;
  const definitions = setup.tools.map(toolDefinition);
  const toolsByName = new Map(setup.tools.map((tool) => [tool.name, tool]));
  const recorded = setup.variant ? { experimentId: setup.variant.experimentId, variant: setup.variant.variant.name } : {};
  let ended = false;

  const newStep = (number: number, assistant: Message, ticket: MeterTicket | undefined, startedAt = performance.now()): Step => ({
    number,
    assistant,
    ticket,
    startedAt,
    response: createResponseAccumulator(),
    served: undefined,
    closed: false,
  });

  // Settles the call's ledger row and stores its answer, once per step.
  const closeStep = async (step: Step, end: StepEnd): Promise<void> => {
    if (step.closed) return;
    step.closed = true;
    const { text, toolCalls, usage } = step.response.result();
    const calls = end.toolCalls ?? toolCalls;
    const latencyMs = performance.now() - step.startedAt;
    step.ticket?.settle({
      engine: step.served?.engine,
      model: step.served?.model,
      usage,
      outputBytes: outputBytesOf({ text, toolCalls: calls }),
      ...(end.completed ? { status: "complete" } : failureOutcome(end.failure, request.signal)),
      latencyMs,
      ttftMs: step.served?.ttftMs,
    });
    const failure = end.failure;
    await recorder.finish(step.assistant, {
      content: text,
      status: end.completed ? "complete" : "incomplete",
      toolCalls: calls.length > 0 ? calls : null,
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      engine: step.served?.engine ?? null,
      model: step.served?.model ?? null,
      ttftMs: step.served?.ttftMs ?? null,
      latencyMs: Math.round(latencyMs),
      // A client that left is not the engine's failure: only real failures carry a code.
      errorCode: failure === undefined || request.signal.aborted || isAbortError(failure) ? null : isGatewayError(failure) ? failure.code : "internal_error",
      ...(end.citations === undefined ? {} : { citations: end.citations }),
    });
  };

  const endTurn = async (step: Step, failure?: unknown): Promise<void> => {
    if (ended) return;
    ended = true;
    const outcome = failure === null ? { status: "complete" as const } : failureOutcome(failure, request.signal);
    metering.end({ ...outcome, latencyMs: performance.now() - setup.startedAt, engine: step.served?.engine, model: step.served?.model });
    await recorder.refreshCache();
  };

  const openStep = async (step: Step, previous: Step["served"]): Promise<AsyncIterable<StreamPart>> => {
    const { session, variant } = setup;
    // The turn stays on the engine that served its first call; a new turn prefers the session's engine.
    const prefer =
      previous !== undefined
        ? { engine: previous.engine, model: previous.model }
        : !variant && request.engine === undefined && session.engine && session.model
          ? { engine: session.engine, model: session.model }
          : undefined;
    // Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send.
    const maxTokens = step.ticket?.maxTokens ?? request.maxTokens;
    const params = { ...(variant ? variant.params : {}), ...(maxTokens === undefined ? {} : { maxTokens }) };
    const opened = await setup.router.open(
      setup.plan,
      { messages: [...setup.prompt], ...(definitions.length > 0 ? { tools: definitions } : {}), ...params },
      { signal: request.signal, prefer, traceparent: request.traceparent, timing: request.timing },
    );
    step.served = { engine: opened.target.engine.name, model: opened.target.model, ttftMs: opened.call.ttftMs };
    return callParts(opened.call);
  };

  let step = newStep(1, setup.first.assistant, setup.first.ticket, setup.startedAt);
  let parts: AsyncIterable<StreamPart>;
  try {
    parts = await openStep(step, undefined);
  } catch (error) {
    await closeStep(step, { completed: false, failure: error });
    await endTurn(step, error);
    throw error;
  }
  const served = step.served as NonNullable<Step["served"]>;
  const meta: Extract<SessionEvent, { event: "meta" }>["data"] = {
    sessionId: setup.session.id,
    messageId: step.assistant.id,
    traceId: request.traceId,
    engine: served.engine,
    model: served.model,
    ...(setup.variant ? { experiment: { id: setup.variant.experimentId, variant: setup.variant.variant.name } } : {}),
  };

  async function* events(): AsyncGenerator<SessionEvent> {
    try {
      yield { event: "meta", data: meta };
      if (setup.citations) yield { event: "citations", data: { citations: setup.citations } };
      let finishReason: FinishReason | "max_steps" | null;
      for (;;) {
        // The answer is checked before it is sent or stored: the session keeps what the client was shown.
        const window = setup.outputWindow?.();
        for await (const part of window === undefined ? parts : guardParts(parts, window)) {
          step.response.add(part);
          if (part.type === "text-delta") yield { event: "token", data: { text: part.text } };
        }
        const answer = step.response.result();
        const calls = withCallIds(answer.toolCalls);
        if (definitions.length === 0 || calls.length === 0 || step.number >= settings.maxSteps) {
          finishReason = definitions.length > 0 && calls.length > 0 ? "max_steps" : (answer.finishReason ?? null);
          await closeStep(step, { completed: true, toolCalls: calls });
          break;
        }

        const outcomes = new Map<string, ToolOutcome>();
        for await (const outcome of runToolCalls(calls, settings.maxCallsPerStep, {
          tools: toolsByName,
          timeoutMs: settings.timeoutMs,
          context: setup.toolContext,
          signal: request.signal,
          observers: setup.observers,
        })) {
          outcomes.set(outcome.call.id, outcome);
          yield { event: "tool", data: toolEvent(outcome, step.number) };
        }
        request.signal.throwIfAborted();
        const results = calls.map((call) => ({ call, content: toolResultContent(outcomes.get(call.id) as ToolOutcome) }));
        // The results and the next answer's placeholder first, then this answer as complete: a failure in between
        // leaves its calls unanswered and incomplete, which later prompts leave out.
        const appended = await recorder.append([
          ...results.map(({ call, content }) => ({ role: "tool" as const, content, toolCallId: call.id, status: "complete" as const, traceId: request.traceId, ...recorded })),
          { role: "assistant", content: "", status: "incomplete", traceId: request.traceId, ...recorded, citations: setup.citations ?? null },
        ]);
        await closeStep(step, { completed: true, toolCalls: calls, citations: null });
        setup.prompt.push(
          { role: "assistant", content: answer.text === "" ? null : answer.text, toolCalls: calls },
          ...results.map(({ call, content }): ChatMessage => ({ role: "tool", content, toolCallId: call.id })),
        );
        const previous = step.served;
        step = newStep(step.number + 1, appended.at(-1) as Message, undefined);
        step.ticket = await metering.beginStep(setup.prompt, definitions);
        parts = await openStep(step, previous);
      }
      await endTurn(step, null);
      yield {
        event: "done",
        data: {
          usage: metering.usage() ?? null,
          finishReason,
          durationMs: Math.round(performance.now() - setup.startedAt),
          messageId: step.assistant.id,
          steps: step.number,
        },
      };
    } catch (error) {
      await closeStep(step, { completed: false, failure: error });
      await endTurn(step, error);
      if (request.signal.aborted || isAbortError(error)) return;
      if (!isGatewayError(error)) setup.logger.error({ err: error, sessionId: setup.session.id }, "session chat stream failed");
      const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
      yield { event: "error", data: { code: failure.code, message: failure.message, ...(failure.rule === undefined ? {} : { rule: failure.rule }) } };
    } finally {
      // The consumer stopped reading (the client went away): what was produced stays, as incomplete.
      await closeStep(step, { completed: false });
      await endTurn(step, undefined);
    }
  }
  return events();
}

function toolEvent(outcome: ToolOutcome, step: number): Extract<SessionEvent, { event: "tool" }>["data"] {
  return {
    id: outcome.call.id,
    name: outcome.call.function.name,
    arguments: outcome.arguments,
    ...(outcome.error ? { error: outcome.error } : { result: outcome.result }),
    durationMs: outcome.durationMs,
    step,
  };
}
