import { randomHex } from "../../observability/randomHex.js";
import type { FastifyInstance } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import type { Logger } from "../../logger.js";
import { chatCompletionBody, type ChatCompletionBody } from "../openai/chatCompletionSchema.js";
import { toChatRequest } from "../openai/toChatRequest.js";
import { completeChat } from "../openai/completeChat.js";
import { writeChatCompletionStream } from "../openai/writeChatCompletionStream.js";
import type { RequestSignals } from "../requestSignals.js";
import { openSseStream } from "../sseStream.js";
import { hijackHeaders } from "../security/hijackHeaders.js";
import type { Meter } from "../../metering/createMeter.js";
import { failureOutcome, meterParts } from "../../metering/meterParts.js";
import type { Metrics } from "../../observability/createMetrics.js";
import { beginPlanMetering } from "../../metering/beginPlanMetering.js";
import type { CollectedResponse } from "../../engines/collectStream.js";
import type { ResponseCache } from "../../cache/createResponseCache.js";
import { cacheLookupForRequest, type CacheOutcome } from "../../cache/cacheLookupForRequest.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import { isCacheable, replayParts } from "../../cache/cachedAnswer.js";
import { tapAnswer } from "../../cache/tapAnswer.js";
import { announceStale, staleOnError, staleWarning } from "../../cache/staleOnError.js";
import type { CachedAnswer } from "../../cache/cachedAnswer.js";

const completionSchema = {
  tags: ["openai"],
  summary: "Create a chat completion",
  description:
    "OpenAI's chat completion, streamed (`stream: true`: `chat.completion.chunk` events ending with `data: [DONE]`, or a " +
    "`data: {\"error\": …}` event when the stream fails after it started) or not (a `chat.completion` object). The response's " +
    "`model` names the `engine/model` that served it. With the response cache on, the `x-switchyard-cache` response header " +
    "says `hit`, `miss`, `bypass` or `stale` (an expired answer served because every engine of the route failed, with a " +
    "`warning` header; see `staleIfErrorSeconds`); the request header `x-switchyard-cache: use` opts a request in, `bypass` skips the cache.",
  body: chatCompletionBody,
};

export interface ChatCompletionsDeps {
  router(): Router;
  signals: RequestSignals;
  logger: Logger;
  meter: Meter;
  metrics?: Metrics | undefined;
  /** Exact-match answers for deterministic requests; absent: no caching and no cache header. */
  cache?: ResponseCache | undefined;
}

export function chatCompletionsRoute(app: FastifyInstance, deps: ChatCompletionsDeps): void {
  app.post("/v1/chat/completions", { config: { policy: "user", routeClass: "chat" }, schema: completionSchema }, async (request, reply) => {
    const body = request.body as ChatCompletionBody;
    const signal = deps.signals.signalFor(request.raw, reply.raw);
    if (!body.stream) {
      const done = await completeChat(deps, {
        principal: request.principal,
        body,
        traceId: request.traceId,
        requestId: request.id,
        traceparent: request.traceparent,
        cacheHeader: request.headers[cacheHeader],
        signal,
        log: request.log as Logger,
      });
      if (done.cacheResult) reply.header(cacheHeader, done.cacheResult);
      if (done.cacheResult === "stale") reply.header("warning", staleWarning);
      return done.completion;
    }
    const chatRequest = toChatRequest(body);
    const router = deps.router();
    const plan = router.planForModel(body.model);
    const id = `chatcmpl-${randomHex(12)}`;
    const created = Math.floor(Date.now() / 1000);
    const options = { signal, traceparent: request.traceparent };
    const startedAt = performance.now();
    // A stored answer (a hit, or a stale one standing in for failed engines), replayed as SSE.
    const replay = async (answer: CachedAnswer) => {
      reply.hijack();
      const sse = openSseStream(reply.raw, { "x-trace-id": request.traceId }, hijackHeaders(reply));
      await writeChatCompletionStream(
        sse,
        replayParts(answer.response),
        { id, created, model: answer.model, includeUsage: body.stream_options?.include_usage === true, traceId: request.traceId },
        request.log as Logger,
      );
    };
    // Before the meter: a hit reaches no engine, so it reserves no budget and writes no ledger row.
    let cached: CacheOutcome | undefined;
    if (deps.cache) {
      cached = await cacheLookupForRequest(
        deps.cache,
        {
          principal: request.principal,
          model: body.model,
          route: plan.name,
          staleIfErrorSeconds: plan.staleIfErrorSeconds,
          header: request.headers[cacheHeader],
          request: chatRequest,
        },
        deps.metrics,
      );
      reply.header(cacheHeader, cached.result);
      if (cached.result === "hit") return replay(cached.answer);
    }
    // Before the router: a request the budget or the token limit refuses never reaches an engine.
    const ticket = await beginPlanMetering(deps, plan, {
      principal: request.principal,
      messages: chatRequest.messages,
      tools: chatRequest.tools,
      maxTokens: chatRequest.maxTokens,
      traceId: request.traceId,
      requestId: request.id,
    });
    // Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send.
    const metered = ticket.maxTokens === undefined ? chatRequest : { ...chatRequest, maxTokens: ticket.maxTokens };
    // An answer cut to a budget's token limit is not the answer to the request as sent: it is not stored.
    const miss = cached?.result === "miss" && (ticket.maxTokens === undefined || ticket.maxTokens === chatRequest.maxTokens) ? cached : undefined;
    const remember = (model: string, response: CollectedResponse) => {
      if (!miss || !deps.cache || !isCacheable(response)) return;
      deps.cache.store(miss.dimensions, miss.key, { model, response }, miss.ttlMs, miss.staleMs).catch((error: unknown) => request.log.warn({ err: error }, "cache: storing an answer failed"));
    };
    const failed = (error: unknown) => ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });

    let opened: Awaited<ReturnType<Router["open"]>>;
    try {
      opened = await router.open(plan, metered, options);
    } catch (error) {
      failed(error);
      // Every target failed before the first token: an expired answer within the route's stale window stands in.
      const stale = staleOnError(cached, error, signal);
      if (!stale) throw error;
      announceStale(stale, error, plan.name, request.log as Logger, deps.metrics);
      reply.header(cacheHeader, "stale").header("warning", staleWarning);
      return replay(stale);
    }
    const { target } = opened;
    const model = `${target.guarded.engine.name}/${target.model}`;
    // Usage is counted from the engine's usage part whether or not the client asked for it (include_usage).
    const meteredParts = meterParts(opened.opened.parts, (end) =>
      ticket.settle({
        engine: target.guarded.engine.name,
        model: target.model,
        usage: end.usage,
        outputBytes: end.outputBytes,
        ...(end.finished ? { status: "complete" } : failureOutcome(end.failure, signal)),
        latencyMs: performance.now() - startedAt,
        ttftMs: opened.opened.ttftMs,
      }),
    );
    const parts = miss ? tapAnswer(meteredParts, (response) => remember(model, response)) : meteredParts;
    try {
      reply.hijack();
      const sse = openSseStream(reply.raw, { "x-trace-id": request.traceId }, hijackHeaders(reply));
      await writeChatCompletionStream(
        sse,
        parts,
        { id, created, model, includeUsage: body.stream_options?.include_usage === true, traceId: request.traceId },
        request.log as Logger,
      );
    } finally {
      // A stream the writer never started reading still ends its ticket (settle counts once).
      ticket.settle({
        engine: target.guarded.engine.name,
        model: target.model,
        ...failureOutcome(undefined, signal),
        latencyMs: performance.now() - startedAt,
        ttftMs: opened.opened.ttftMs,
      });
    }
  });
}
