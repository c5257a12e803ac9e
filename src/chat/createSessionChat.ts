/**
 * The session chat pipeline: find or create the session, pick the plan (request, A/B variant, affinity), retrieve
 * sources when asked (`rag`), assemble the prompt from its history window, run the router (and the tool loop,
 * see runTurn), and persist the turn. The assistant turn is written first as `incomplete` and finished at the end,
 * so a crash, an abort or an engine failure never loses the user's message or leaves a turn marked complete.
 * Everything that can refuse the turn (bad input, guardrails, retrieval, budgets) runs before anything is
 * stored. With a session cache, the session and its history window come from Redis when current, and every write
 * refreshes or drops the cached copy.
 */
import type { CallTiming } from "../observability/observeEngineCall.js";
import { randomUUID } from "node:crypto";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../logger.js";
import type { Store } from "../store/openStore.js";
import type { Session } from "../store/sessions.js";
import type { Message } from "../store/messages.js";
import type { Router } from "../routing/createRouter.js";
import { ensureUsable } from "../routing/createRouter.js";
import { GatewayError } from "../errors.js";
import { buildPrompt } from "./buildPrompt.js";
import { guardStore } from "./guardStore.js";
import { chooseVariant, type ChosenVariant } from "./chooseVariant.js";
import type { Principal } from "../auth/principal.js";
import type { Meter } from "../metering/createMeter.js";
import { failureOutcome } from "../metering/failureOutcome.js";
import type { Metrics } from "../observability/createMetrics.js";
import { annotateRequestContext } from "../observability/requestContext.js";
import type { SessionCache } from "./createSessionCache.js";
import type { Retriever } from "../documents/createRetriever.js";
import { viewerOf } from "../documents/viewerOf.js";
import type { Toolbox, ToolLoopSettings } from "../tools/createToolbox.js";
import { toolDefinition } from "../tools/serverTool.js";
import { ragOptions, retrieveSources, type RagRequest } from "./retrieveSources.js";
import { systemWithSources } from "./sourcesPrompt.js";
import { meterTurn } from "./meterTurn.js";
import { createTurnRecorder } from "./recordTurn.js";
import { openTurn } from "./runTurn.js";
import type { SessionEvent } from "./sessionEvents.js";
import { lowerLimit } from "./lowerLimit.js";
import type { Guardrails } from "../guardrails/createGuardrails.js";
import { guardTurn } from "../guardrails/guardTurn.js";

export interface SessionChatRequest {
  userId: string;
  /** Whose budgets and token limits the turn counts against, and whose access level retrieval and tools read at. */
  principal: Principal;
  /** The HTTP request id, for the usage ledger. */
  requestId: string;
  message: string;
  sessionId?: string | undefined;
  engine?: string | undefined;
  model?: string | undefined;
  system?: string | undefined;
  /** Most tokens per model call of the turn; an experiment variant's own limit, when lower, wins. */
  maxTokens?: number | undefined;
  projectId?: string | undefined;
  /** Retrieval into the prompt, in the request's project (else the session's). */
  rag?: RagRequest | undefined;
  /** Server-side tools offered to the model: true for every enabled one, or their names. */
  tools?: boolean | readonly string[] | undefined;
  traceId: string;
  traceparent?: string | undefined;
  signal: AbortSignal;
  /** When the HTTP request arrived: gateway_overhead_seconds is observed at the turn's first engine call. */
  timing?: CallTiming | undefined;
}

export interface SessionChatDeps {
  store: Store;
  router(): Router;
  historyWindow: number;
  logger: Logger;
  meter: Meter;
  /** features.experiments, read per turn so a reload switches A/B assignment off or on. */
  experimentsEnabled?: () => boolean;
  /** Chat stream metrics (started, completed, errors, duration, tokens) and tool metrics. */
  metrics?: Metrics | undefined;
  /** Session metadata and history in Redis, read before the store and refreshed on every write. */
  sessionCache?: SessionCache | undefined;
  /** Documents for `rag`; without it a turn asking for retrieval is refused. */
  retriever?: Retriever | undefined;
  /** Server-side tools; without it a turn naming a tool is refused. */
  tools?: Toolbox | undefined;
  /** Tool call spans, when tracing is on. */
  tracer?: Tracer | undefined;
  /** Checks on the user's message and the answer. */
  guardrails?: Guardrails | undefined;
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

/** Without a toolbox no tool is offered, so the loop never runs past its first call. */
const NO_TOOLS: ToolLoopSettings = { maxSteps: 1, timeoutMs: 1, maxCallsPerStep: 1, streamKeepaliveMs: 15_000 };

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
      const tools = deps.tools ? await deps.tools.select(request.tools, request.principal, request.signal) : noToolbox(request.tools);
      const rag = ragOptions(request.rag);
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
      const projectId = request.projectId ?? existing?.projectId ?? undefined;
      if (rag && projectId === undefined) {
        throw new GatewayError("invalid_request", "rag needs a project: send projectId, or continue a session that has one", { param: "projectId" });
      }
      const sessionId = existing?.id ?? randomUUID();
      annotateRequestContext({ sessionId });
      const variant = (deps.experimentsEnabled?.() ?? true) ? await chooseVariant(store, request, sessionId) : undefined;
      const engineChoice = variant?.variant.engine ?? request.engine ?? "auto";
      const modelChoice = variant?.variant.engine !== undefined || variant?.variant.model !== undefined ? variant.variant.model : request.model;
      const plan = router.planForEngine(engineChoice, modelChoice);
      ensureUsable(plan);
      // Before retrieval, the reservation and the store: they see the message as masked, or nothing when refused.
      const { message, system, outputWindow } = await guardTurn(deps.guardrails, request, plan.name, logger);
      let history: Message[] = [];
      if (cached?.hit) history = cached.hit.history;
      else if (existing) {
        history = await guardStore(() => store.messages.recent(existing.id, deps.historyWindow));
        if (cache && cached?.generation !== undefined) {
          await cache.fill(existing.id, { session: existing, history, window: deps.historyWindow }, cached.generation);
        }
      }
      const viewer = viewerOf(request.principal);
      let sources;
      if (rag && projectId !== undefined) {
        if (!deps.retriever) throw new GatewayError("invalid_request", "retrieval is not available on this gateway", { param: "rag" });
        sources = await retrieveSources(deps.retriever, viewer, { message, projectId }, rag, request.signal);
      }
      const citations = sources?.map((source) => source.citation);
      const prompt = buildPrompt(history, message, systemWithSources(variant?.variant.system ?? system, sources));
      // Before anything is stored: a turn the budget or the token limit refuses leaves no trace in the session. The
      // reservation counts the prompt as sent: retrieved sources and tool definitions included.
      const maxTokens = lowerLimit(variant?.variant.params?.maxTokens, request.maxTokens);
      const metering = meterTurn(deps, plan, {
        principal: request.principal,
        maxTokens,
        traceId: request.traceId,
        requestId: request.requestId,
      });
      const ticket = await metering.beginStep(prompt, tools.map(toolDefinition));

      let session: Session;
      let written: Message[];
      const recorded = variant ? { experimentId: variant.experimentId, variant: variant.variant.name } : {};
      try {
        session =
          existing ??
          (await guardStore(() => store.sessions.create({ id: sessionId, userId: request.userId, projectId: request.projectId ?? null })));
        written = await guardStore(() =>
          store.messages.append(session.id, [
            { role: "user", content: message, status: "complete", traceId: request.traceId, ...recorded },
            { role: "assistant", content: "", status: "incomplete", traceId: request.traceId, ...recorded, citations: citations ?? null },
          ]),
        );
        if (written.length !== 2) throw new GatewayError("internal_error", "the assistant message was not stored");
        // Another replica's next turn must see this one's messages, even while it is still streaming.
        await cache?.invalidate(session.id);
      } catch (error) {
        const failure = { ...failureOutcome(error, request.signal), latencyMs: performance.now() - startedAt };
        ticket.settle(failure);
        metering.end(failure);
        throw error;
      }

      return openTurn({
        router,
        plan,
        logger,
        request: { ...request, maxTokens },
        session,
        variant,
        prompt,
        tools,
        settings: deps.tools?.settings ?? NO_TOOLS,
        toolContext: { viewer, sessionId: session.id, projectId },
        observers: { metrics: deps.metrics, tracer: deps.tracer, logger },
        metering,
        recorder: createTurnRecorder({ store, logger, cache, historyWindow: deps.historyWindow, session, userId: request.userId, history, written }),
        first: { assistant: written[1] as Message, ticket },
        citations,
        startedAt,
        outputWindow,
      });
    },
  };
}

function noToolbox(requested: SessionChatRequest["tools"]): [] {
  if (Array.isArray(requested) && requested.length > 0) {
    throw new GatewayError("invalid_request", "server-side tools are not available on this gateway", { param: "tools" });
  }
  return [];
}

export type { ChosenVariant, SessionEvent };
