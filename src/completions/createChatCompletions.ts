/**
 * The chat-completion pipeline below every inbound API, with its two entry points: `complete` (the whole answer)
 * and `stream` (parts to a sink as they come). Both run the same sequence — the response cache, the budget and
 * token reservation, routing with fallbacks, metering into the ledger, the stale-if-error stand-in — so an OpenAI
 * request, a queued chat job and any later API are limited, billed and cached alike. Wire formats stay above it:
 * it takes a CompletionInput and gives parts or a collected response. With guardrails, their input check runs
 * before all of that and their output check on what leaves (guardrails/guardCompletions).
 */
import type { ResponseCache } from "../cache/createResponseCache.js";
import { cacheLookupForRequest, type CacheOutcome } from "../cache/cacheLookupForRequest.js";
import { answerParts, isCacheable, type CachedAnswer } from "../cache/cachedAnswer.js";
import { announceStale, staleOnError } from "../cache/staleOnError.js";
import type { SemanticCache, SemanticOutcome } from "../cache/createSemanticCache.js";
import { cacheResultOf, semanticLookupForRequest } from "../cache/semanticLookupForRequest.js";
import { createResponseAccumulator, type CollectedResponse } from "../engines/createResponseAccumulator.js";
import type { ChatRequest } from "../engines/spec.js";
import { beginPlanMetering } from "../metering/beginPlanMetering.js";
import type { Meter, MeterTicket } from "../metering/createMeter.js";
import { outputBytesOf } from "../metering/estimateTokens.js";
import { failureOutcome } from "../metering/failureOutcome.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { RequestBodyLog } from "../observability/createRequestBodyLog.js";
import type { Plan, Router } from "../routing/createRouter.js";
import { pumpCall } from "../routing/pumpCall.js";
import type { CompletionContext } from "./completionContext.js";
import type { CacheResult, CompletionInput } from "./completionInput.js";
import type { CompletionSink } from "./completionSink.js";
import type { Guardrails } from "../guardrails/createGuardrails.js";
import { guardCompletions } from "../guardrails/guardCompletions.js";

export interface ChatCompletionsDeps {
  router(): Router;
  meter: Meter;
  metrics?: Metrics | undefined;
  /** Exact-match answers for deterministic requests; absent: no caching and no cache result. */
  cache?: ResponseCache | undefined;
  /** Answers to requests that mean the same, on routes that opt in; consulted after the exact cache missed. */
  semanticCache?: SemanticCache | undefined;
  /**
   * Keeps each metered request's prompt and answer (requestLog.bodies). Absent when off: then a request pays one
   * check for it, and a stream's parts are not collected for it.
   */
  bodies?: RequestBodyLog | undefined;
  /** Checks on prompts and answers; absent (or no rule applying to a request): requests pass untouched. */
  guardrails?: Guardrails | undefined;
}

export interface CompletedAnswer {
  /** `engine/model` that produced the answer (for a stored one: that produced it then). */
  model: string;
  response: CollectedResponse;
  cache?: CacheResult | undefined;
  /** A semantic hit's similarity with the stored request. */
  cacheScore?: number | undefined;
  /** The stored entry a hit or a stale answer came from, for writers that keep its serialized form. */
  stored?: CachedAnswer | undefined;
}

export interface ChatCompletions {
  complete(context: CompletionContext, input: CompletionInput): Promise<CompletedAnswer>;
  /**
   * Streams the answer into `sink`. Rejects, before anything was opened, when the request cannot start (a
   * refused budget, every target failing before its first part, a bad request); once opened, the sink hears
   * every outcome and the promise resolves when the stream is over.
   */
  stream(context: CompletionContext, input: CompletionInput, sink: CompletionSink): Promise<void>;
}

/** The cache's verdict for one request and what a miss may store. */
interface CacheTurn {
  outcome: CacheOutcome | undefined;
  semantic?: SemanticOutcome | undefined;
  /** Whether the answer, once complete, may be stored: a miss whose request went out as sent. */
  storable(ticket: MeterTicket, request: CompletionInput["request"]): boolean;
}

export function createChatCompletions(deps: ChatCompletionsDeps): ChatCompletions {
  const lookup = async (context: CompletionContext, input: CompletionInput, plan: Plan): Promise<CacheTurn> => {
    const cache = deps.cache;
    const outcome =
      cache === undefined
        ? undefined
        : await cacheLookupForRequest(
            cache,
            {
              principal: context.principal,
              model: input.model,
              route: plan.name,
              staleIfErrorSeconds: plan.staleIfErrorSeconds,
              header: input.cacheHeader,
              request: input.request,
            },
            deps.metrics,
          );
    const semantic =
      deps.semanticCache === undefined
        ? undefined
        : await semanticLookupForRequest(deps.semanticCache, outcome, {
            principal: context.principal,
            route: plan.name,
            header: input.cacheHeader,
            request: input.request,
            log: context.log,
            signal: () => context.abortSignal(),
          });
    return {
      outcome,
      semantic,
      // An answer cut to a budget's token limit is not the answer to the request as sent: it is not stored.
      storable: (ticket, request) =>
        (outcome?.result === "miss" || semantic?.result === "miss") && (ticket.maxTokens === undefined || ticket.maxTokens === request.maxTokens),
    };
  };

  const store = (context: CompletionContext, turn: CacheTurn, model: string, response: CollectedResponse) => {
    if (turn.semantic?.result === "miss") void deps.semanticCache?.store(turn.semantic.pending, { model, response }, context.log);
    const outcome = turn.outcome;
    if (outcome?.result !== "miss" || deps.cache === undefined || !isCacheable(response)) return;
    deps.cache
      .store(outcome.dimensions, outcome.key, { model, response }, outcome.ttlMs, outcome.staleMs)
      .catch((error: unknown) => context.log.warn({ err: error }, "cache: storing an answer failed"));
  };

  /** Before the router: a request the budget or the token limit refuses never reaches an engine. */
  const reserve = (context: CompletionContext, input: CompletionInput, plan: Plan) =>
    beginPlanMetering(deps, plan, {
      principal: context.principal,
      messages: input.request.messages,
      tools: input.request.tools,
      maxTokens: input.request.maxTokens,
      traceId: context.traceId,
      requestId: context.requestId,
    });

  /** Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send. */
  const meteredRequest = (ticket: MeterTicket, request: CompletionInput["request"]): Omit<ChatRequest, "model"> =>
    ticket.maxTokens === undefined ? request : { ...request, maxTokens: ticket.maxTokens };

  /** Every target failed before the first token: an expired answer within the route's stale window may stand in. */
  const standIn = (turn: CacheTurn, error: unknown, plan: Plan, log: CompletionContext["log"], signal: AbortSignal): CachedAnswer | undefined => {
    const stale = staleOnError(turn.outcome, error, signal);
    if (stale) announceStale(stale, error, plan.name, log, deps.metrics);
    return stale;
  };

  /** Hands the exchange to the body log (only called when it is on); a hit is left out, as it has no ledger row. */
  const logBodies = (log: RequestBodyLog, context: CompletionContext, input: CompletionInput, answer: CollectedResponse | undefined) =>
    log.record({ requestId: context.requestId, at: Date.now(), model: input.model, request: input.request, answer });

  const pipeline: ChatCompletions = {
    async complete(context, input) {
      const plan = deps.router().planForModel(input.model);
      const startedAt = performance.now();
      const turn = await lookup(context, input, plan);
      if (turn.outcome?.result === "hit") return { model: turn.outcome.answer.model, response: turn.outcome.answer.response, cache: "hit", stored: turn.outcome.answer };
      if (turn.semantic?.result === "hit") return { model: turn.semantic.answer.model, response: turn.semantic.answer.response, cache: "semantic-hit", cacheScore: turn.semantic.score };
      const signal = context.abortSignal();
      let ticket: MeterTicket;
      try {
        ticket = await reserve(context, input, plan);
      } catch (error) {
        // A refused request has a ledger row (rejected) too, which the request detail shows with its prompt.
        if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, undefined);
        throw error;
      }
      let completed: Awaited<ReturnType<Router["complete"]>>;
      try {
        completed = await deps.router().complete(plan, meteredRequest(ticket, input.request), {
          signal,
          traceparent: context.traceparent,
          timing: context,
        });
      } catch (error) {
        ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });
        const stale = standIn(turn, error, plan, context.log, signal);
        if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, stale?.response);
        if (!stale) throw error;
        return { model: stale.model, response: stale.response, cache: "stale", stored: stale };
      }
      const { target, response } = completed;
      ticket.settle({
        engine: target.engine.name,
        model: target.model,
        usage: response.usage,
        outputBytes: outputBytesOf(response),
        status: "complete",
        latencyMs: performance.now() - startedAt,
        ttftMs: completed.ttftMs,
      });
      if (turn.storable(ticket, input.request)) store(context, turn, target.id, response);
      if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, response);
      return { model: target.id, response, cache: cacheResultOf(turn.outcome, turn.semantic) };
    },

    async stream(context, input, sink) {
      const router = deps.router();
      const plan = router.planForModel(input.model);
      const startedAt = performance.now();
      const turn = await lookup(context, input, plan);
      if (turn.outcome?.result === "hit") return replay(sink, turn.outcome.answer, "hit");
      if (turn.semantic?.result === "hit") return replay(sink, turn.semantic.answer, "semantic-hit", turn.semantic.score);
      const signal = context.abortSignal();
      let ticket: MeterTicket;
      try {
        ticket = await reserve(context, input, plan);
      } catch (error) {
        // A refused request has a ledger row (rejected) too, which the request detail shows with its prompt.
        if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, undefined);
        throw error;
      }
      let opened: Awaited<ReturnType<Router["open"]>>;
      try {
        opened = await router.open(plan, meteredRequest(ticket, input.request), { signal, traceparent: context.traceparent, timing: context });
      } catch (error) {
        ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });
        const stale = standIn(turn, error, plan, context.log, signal);
        if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, stale?.response);
        if (!stale) throw error;
        return replay(sink, stale, "stale");
      }
      const { target, call } = opened;
      const storable = turn.storable(ticket, input.request);
      // The parts are collected for the cache or the body log, and only then: otherwise they just pass through.
      const collector = storable || deps.bodies !== undefined ? createResponseAccumulator() : undefined;
      let end: Awaited<ReturnType<typeof pumpCall>> | undefined;
      try {
        sink.open({ model: target.id, cache: cacheResultOf(turn.outcome, turn.semantic) });
        end = await pumpCall(call, sink, collector);
        // A sink that refused the rest (a guardrail) ends the stream, and the ledger row, with that failure.
        if (!end.completed && end.failure === undefined) end = { ...end, failure: sink.refusal?.() };
      } finally {
        // Usage is counted from the engine's usage part whether or not the client asked for it. A stream the sink
        // never read (it failed to open) still ends its ticket and its call.
        if (end === undefined) call.finish({ completed: false, failure: undefined, usage: undefined, finishReason: undefined, outputBytes: 0 });
        ticket.settle({
          engine: target.engine.name,
          model: target.model,
          usage: end?.usage,
          outputBytes: end?.outputBytes ?? 0,
          ...(end?.completed === true && end.failure === undefined ? { status: "complete" } : failureOutcome(end?.failure, signal)),
          latencyMs: performance.now() - startedAt,
          ttftMs: call.ttftMs,
        });
        // What the client was sent, whole or cut short.
        if (deps.bodies !== undefined) logBodies(deps.bodies, context, input, collector?.result());
      }
      if (storable && collector && end.completed) store(context, turn, target.id, collector.result());
      await sink.close(end);
    },
  };
  // The input check runs before the cache and the reservation, the output check on what leaves.
  return deps.guardrails === undefined ? pipeline : guardCompletions(pipeline, deps.guardrails, (model) => deps.router().planForModel(model).name);
}

/** A stored answer (a hit, or a stale one standing in for failed engines), written as the parts it was made of. */
async function replay(sink: CompletionSink, answer: CachedAnswer, cache: CacheResult, cacheScore?: number): Promise<void> {
  sink.open({ model: answer.model, cache, cacheScore });
  for (const part of answerParts(answer.response)) {
    const written = sink.write(part);
    if (written !== true && !(written !== false && (await written))) return sink.close({ completed: false, failure: undefined });
  }
  await sink.close({ completed: true, failure: undefined });
}
