/**
 * One non-streaming chat completion, the whole way: response cache, budget and token reservation, routing with
 * fallbacks, metering into the ledger, metrics. `POST /v1/chat/completions` (without `stream`) and asynchronous
 * chat jobs both go through it, so a queued generation is limited, billed and cached exactly like a direct one.
 */
import { randomHex } from "../../observability/randomHex.js";
import type { Principal } from "../../auth/principal.js";
import type { Router } from "../../routing/createRouter.js";
import type { Logger } from "../../logger.js";
import type { Meter } from "../../metering/createMeter.js";
import { failureOutcome } from "../../metering/meterParts.js";
import { outputBytesOf } from "../../metering/estimateTokens.js";
import type { Metrics } from "../../observability/createMetrics.js";
import { beginPlanMetering } from "../../metering/beginPlanMetering.js";
import type { CollectedResponse } from "../../engines/collectStream.js";
import type { ResponseCache } from "../../cache/createResponseCache.js";
import { cacheLookupForRequest, type CacheOutcome } from "../../cache/cacheLookupForRequest.js";
import { isCacheable } from "../../cache/cachedAnswer.js";
import { announceStale, staleOnError } from "../../cache/staleOnError.js";
import type { ChatCompletionBody } from "./chatCompletionSchema.js";
import { toChatRequest } from "./toChatRequest.js";
import { toOpenAIUsage } from "./toOpenAIUsage.js";

export interface CompleteChatDeps {
  router(): Router;
  meter: Meter;
  metrics?: Metrics | undefined;
  cache?: ResponseCache | undefined;
}

export interface CompleteChatInput {
  principal: Principal;
  body: ChatCompletionBody;
  traceId: string;
  requestId: string;
  traceparent?: string | undefined;
  /** The `x-switchyard-cache` request header, when there was a request. */
  cacheHeader?: string | string[] | undefined;
  signal: AbortSignal;
  log: Logger;
}

export interface CompletedChat {
  completion: Record<string, unknown>;
  /** What the response cache did (`stale`: an expired answer stood in for failed engines); absent when the cache is off. */
  cacheResult?: CacheOutcome["result"] | "stale";
}

export async function completeChat(deps: CompleteChatDeps, input: CompleteChatInput): Promise<CompletedChat> {
  const { body, signal } = input;
  const chatRequest = toChatRequest(body);
  const router = deps.router();
  const plan = router.planForModel(body.model);
  const id = `chatcmpl-${randomHex(12)}`;
  const created = Math.floor(Date.now() / 1000);
  const startedAt = performance.now();
  // Before the meter: a hit reaches no engine, so it reserves no budget and writes no ledger row.
  let cached: CacheOutcome | undefined;
  if (deps.cache) {
    cached = await cacheLookupForRequest(
      deps.cache,
      {
        principal: input.principal,
        model: body.model,
        route: plan.name,
        staleIfErrorSeconds: plan.staleIfErrorSeconds,
        header: input.cacheHeader,
        request: chatRequest,
      },
      deps.metrics,
    );
    if (cached.result === "hit") return { completion: completionOf(id, created, cached.answer.model, cached.answer.response), cacheResult: "hit" };
  }
  // Before the router: a request the budget or the token limit refuses never reaches an engine.
  const ticket = await beginPlanMetering(deps, plan, {
    principal: input.principal,
    messages: chatRequest.messages,
    tools: chatRequest.tools,
    maxTokens: chatRequest.maxTokens,
    traceId: input.traceId,
    requestId: input.requestId,
  });
  // Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send.
  const metered = ticket.maxTokens === undefined ? chatRequest : { ...chatRequest, maxTokens: ticket.maxTokens };
  let completed: Awaited<ReturnType<Router["complete"]>>;
  try {
    completed = await router.complete(plan, metered, { signal, traceparent: input.traceparent });
  } catch (error) {
    ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });
    // Every target failed: an expired answer to the same request (within the route's stale window) stands in.
    const stale = staleOnError(cached, error, signal);
    if (!stale) throw error;
    announceStale(stale, error, plan.name, input.log, deps.metrics);
    return { completion: completionOf(id, created, stale.model, stale.response), cacheResult: "stale" };
  }
  const { target, opened: served, response: collected } = completed;
  const model = `${target.guarded.engine.name}/${target.model}`;
  ticket.settle({
    engine: target.guarded.engine.name,
    model: target.model,
    usage: collected.usage,
    outputBytes: outputBytesOf(collected),
    status: "complete",
    latencyMs: performance.now() - startedAt,
    ttftMs: served.ttftMs,
  });
  // An answer cut to a budget's token limit is not the answer to the request as sent: it is not stored.
  const unchanged = ticket.maxTokens === undefined || ticket.maxTokens === chatRequest.maxTokens;
  if (cached?.result === "miss" && unchanged && deps.cache && isCacheable(collected)) {
    deps.cache
      .store(cached.dimensions, cached.key, { model, response: collected }, cached.ttlMs, cached.staleMs)
      .catch((error: unknown) => input.log.warn({ err: error }, "cache: storing an answer failed"));
  }
  return { completion: completionOf(id, created, model, collected), ...(cached ? { cacheResult: cached.result } : {}) };
}

/** A collected answer (live or from the cache) as OpenAI's `chat.completion`. */
export function completionOf(id: string, created: number, model: string, collected: CollectedResponse): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: collected.text, refusal: null };
  if (collected.toolCalls.length > 0) {
    message.tool_calls = collected.toolCalls;
    if (collected.text === "") message.content = null;
  }
  return {
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: collected.finishReason ?? "stop" }],
    ...(collected.usage ? { usage: toOpenAIUsage(collected.usage) } : {}),
  };
}
