/**
 * The session chat pipeline: find or create the session, pick the plan (request, A/B variant, affinity), assemble
 * the prompt from its history window, run the router, and persist both turns. The assistant turn is written first
 * as `incomplete` and finished at the end, so a crash, an abort or an engine failure never loses the user's
 * message or leaves a turn marked complete. With a session cache, the session and its history window come from
 * Redis when current, and every write refreshes or drops the cached copy.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { Store } from "../store/openStore.js";
import type { Session } from "../store/sessions.js";
import type { Message } from "../store/messages.js";
import type { FinishReason, Usage } from "../engines/spec.js";
import type { Router } from "../routing/createRouter.js";
import { ensureUsable } from "../routing/createRouter.js";
import { createResponseAccumulator } from "../engines/createResponseAccumulator.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import { buildPrompt } from "./buildPrompt.js";
import { guardStore } from "./guardStore.js";
import { chooseVariant, type ChosenVariant } from "./chooseVariant.js";
import type { Principal } from "../auth/principal.js";
import type { Meter } from "../metering/createMeter.js";
import { failureOutcome } from "../metering/meterParts.js";
import { outputBytesOf } from "../metering/estimateTokens.js";
import type { Metrics } from "../observability/createMetrics.js";
import { beginPlanMetering } from "../metering/beginPlanMetering.js";
import { annotateRequestContext } from "../observability/requestContext.js";
import type { SessionCache } from "./createSessionCache.js";

export interface SessionChatRequest {
  userId: string;
  /** Whose budgets and token limits the turn counts against. */
  principal: Principal;
  /** The HTTP request id, for the usage ledger. */
  requestId: string;
  message: string;
  sessionId?: string | undefined;
  engine?: string | undefined;
  model?: string | undefined;
  system?: string | undefined;
  projectId?: string | undefined;
  traceId: string;
  traceparent?: string | undefined;
  signal: AbortSignal;
}

export type SessionEvent =
  | {
      event: "meta";
      data: { sessionId: string; messageId: string; traceId: string; engine: string; model: string; experiment?: { id: string; variant: string } };
    }
  | { event: "token"; data: { text: string } }
  | { event: "done"; data: { usage: Usage | null; finishReason: FinishReason | null; durationMs: number } }
  | { event: "error"; data: { code: string; message: string } };

export interface SessionChatDeps {
  store: Store;
  router(): Router;
  historyWindow: number;
  logger: Logger;
  meter: Meter;
  /** features.experiments, read per turn so a reload switches A/B assignment off or on. */
  experimentsEnabled?: () => boolean;
  /** Chat stream metrics (started, completed, errors, duration, tokens). */
  metrics?: Metrics | undefined;
  /** Session metadata and history in Redis, read before the store and refreshed on every write. */
  sessionCache?: SessionCache | undefined;
}

export interface SessionChat {
  /**
   * Resolves once an engine produced its first part; rejects (with nothing sent) on bad input or when every
   * target failed before that. The returned events start with `meta` and end with `done` or `error`.
   */
  start(request: SessionChatRequest): Promise<AsyncIterable<SessionEvent>>;
  /** Deactivates a session of the user (false: there was none) and drops its cached copy. */
  remove(sessionId: string, userId: string): Promise<boolean>;
}

export function createSessionChat(deps: SessionChatDeps): SessionChat {
  const { store, logger } = deps;

  return {
    async remove(sessionId, userId) {
      const removed = await guardStore(() => store.sessions.deactivate(sessionId, userId));
      if (removed) await deps.sessionCache?.invalidate(sessionId);
      return removed;
    },
    async start(request) {
      const startedAt = performance.now();
      const router = deps.router();
      const cache = deps.sessionCache;
      const cached = request.sessionId && cache ? await cache.read(request.sessionId, request.userId, deps.historyWindow) : undefined;
      const existing = cached?.hit
        ? cached.hit.session
        : request.sessionId
          ? await guardStore(() => store.sessions.get(request.sessionId as string, request.userId))
          : undefined;
      if (request.sessionId && !existing) {
        throw new GatewayError("not_found", `session ${request.sessionId} not found`, { param: "sessionId" });
      }
      const sessionId = existing?.id ?? randomUUID();
      annotateRequestContext({ sessionId });
      const variant = (deps.experimentsEnabled?.() ?? true) ? await chooseVariant(store, request, sessionId) : undefined;
      const engineChoice = variant?.variant.engine ?? request.engine ?? "auto";
      const modelChoice = variant?.variant.engine !== undefined || variant?.variant.model !== undefined ? variant.variant.model : request.model;
      const plan = router.planForEngine(engineChoice, modelChoice);
      ensureUsable(plan);
      let history: Message[] = [];
      if (cached?.hit) history = cached.hit.history;
      else if (existing) {
        history = await guardStore(() => store.messages.recent(existing.id, deps.historyWindow));
        if (cache && cached?.generation !== undefined) {
          await cache.fill(existing.id, { session: existing, history, window: deps.historyWindow }, cached.generation);
        }
      }
      const prompt = buildPrompt(history, request.message, variant?.variant.system ?? request.system);
      // Before anything is stored: a turn the budget or the token limit refuses leaves no trace in the session.
      const ticket = await beginPlanMetering(deps, plan, {
        principal: request.principal,
        messages: prompt,
        maxTokens: variant?.variant.params?.maxTokens,
        traceId: request.traceId,
        requestId: request.requestId,
      });

      let session: Session;
      let userMessage: Message;
      let assistant: Message;
      const recorded = variant ? { experimentId: variant.experimentId, variant: variant.variant.name } : {};
      try {
        session =
          existing ??
          (await guardStore(() => store.sessions.create({ id: sessionId, userId: request.userId, projectId: request.projectId ?? null })));
        const appended = await guardStore(() =>
          store.messages.append(session.id, [
            { role: "user", content: request.message, status: "complete", traceId: request.traceId, ...recorded },
            { role: "assistant", content: "", status: "incomplete", traceId: request.traceId, ...recorded },
          ]),
        );
        const [asked, stored] = appended;
        if (!asked || !stored) throw new GatewayError("internal_error", "the assistant message was not stored");
        userMessage = asked;
        assistant = stored;
        // Another replica's next turn must see this one's messages, even while it is still streaming.
        await cache?.invalidate(session.id);
      } catch (error) {
        ticket.settle({ ...failureOutcome(error, request.signal), latencyMs: performance.now() - startedAt });
        throw error;
      }

      const response = createResponseAccumulator();
      let served: { engine: string; model: string; ttftMs: number } | undefined;
      let completed = false;
      let persisted = false;

      // Runs once, whichever way the turn ends: finished, failed, aborted, or abandoned by its consumer.
      const persist = async (failure?: unknown): Promise<void> => {
        if (persisted) return;
        persisted = true;
        const { text, toolCalls, usage } = response.result();
        ticket.settle({
          engine: served?.engine,
          model: served?.model,
          usage,
          outputBytes: outputBytesOf({ text, toolCalls }),
          ...(completed ? { status: "complete" } : failureOutcome(failure, request.signal)),
          latencyMs: performance.now() - startedAt,
          ttftMs: served?.ttftMs,
        });
        const finished: Message = {
          ...assistant,
          content: text,
          status: completed ? "complete" : "incomplete",
          toolCalls: toolCalls.length > 0 ? toolCalls : null,
          inputTokens: usage?.inputTokens ?? null,
          outputTokens: usage?.outputTokens ?? null,
          engine: served?.engine ?? null,
          model: served?.model ?? null,
          ttftMs: served?.ttftMs ?? null,
          latencyMs: Math.round(performance.now() - startedAt),
          // A client that left is not the engine's failure: only real failures carry a code.
          errorCode: failure === undefined || request.signal.aborted || isAbortError(failure) ? null : isGatewayError(failure) ? failure.code : "internal_error",
        };
        let written = false;
        try {
          const { content, status, toolCalls: calls, inputTokens, outputTokens, engine, model, ttftMs, latencyMs, errorCode } = finished;
          await store.messages.finish(assistant.id, { content, status, toolCalls: calls, inputTokens, outputTokens, engine, model, ttftMs, latencyMs, errorCode });
          if (completed && served) await store.sessions.setEngine(session.id, served.engine, served.model);
          written = true;
        } catch (error) {
          logger.error({ err: error, sessionId: session.id, messageId: assistant.id }, "failed to persist the assistant message");
        }
        await refreshCache(written ? finished : undefined);
      };

      // The next turn's snapshot is known here (the window plus this turn), so it is written rather than left to
      // the next reader; the session row is read back for its counters, title and timestamps.
      const refreshCache = async (finished: Message | undefined): Promise<void> => {
        if (!cache) return;
        const generation = await cache.invalidate(session.id);
        if (generation === undefined || !finished) return;
        try {
          const fresh = await store.sessions.get(session.id, request.userId);
          if (!fresh) return;
          const window = deps.historyWindow;
          await cache.fill(session.id, { session: fresh, history: [...history, userMessage, finished], window }, generation);
        } catch (error) {
          logger.debug({ err: error, sessionId: session.id }, "session cache: refreshing after the turn failed");
        }
      };

      let opened: Awaited<ReturnType<Router["open"]>>;
      try {
        const affinity = !variant && request.engine === undefined && session.engine && session.model ? { engine: session.engine, model: session.model } : undefined;
        // Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send.
        const params = { ...(variant ? variant.params : {}), ...(ticket.maxTokens === undefined ? {} : { maxTokens: ticket.maxTokens }) };
        opened = await router.open(plan, { messages: prompt, ...params }, {
          signal: request.signal,
          prefer: affinity,
          ...(request.traceparent ? { traceparent: request.traceparent } : {}),
        });
      } catch (error) {
        await persist(error);
        throw error;
      }
      served = { engine: opened.target.guarded.engine.name, model: opened.target.model, ttftMs: opened.opened.ttftMs };
      const meta = {
        sessionId: session.id,
        messageId: assistant.id,
        traceId: request.traceId,
        engine: served.engine,
        model: served.model,
        ...(variant ? { experiment: { id: variant.experimentId, variant: variant.variant.name } } : {}),
      };
      const stream = opened.opened.parts;

      async function* events(): AsyncGenerator<SessionEvent> {
        try {
          yield { event: "meta", data: meta };
          for await (const part of stream) {
            response.add(part);
            if (part.type === "text-delta") yield { event: "token", data: { text: part.text } };
          }
          completed = true;
          await persist();
          const { usage, finishReason } = response.result();
          yield {
            event: "done",
            data: { usage: usage ?? null, finishReason: finishReason ?? null, durationMs: Math.round(performance.now() - startedAt) },
          };
        } catch (error) {
          await persist(error);
          if (request.signal.aborted || isAbortError(error)) return;
          if (!isGatewayError(error)) logger.error({ err: error, sessionId: session.id }, "session chat stream failed");
          const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
          yield { event: "error", data: { code: failure.code, message: failure.message } };
        } finally {
          await persist();
        }
      }
      return events();
    },
  };
}

export type { ChosenVariant };
