import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import type { Logger } from "../../logger.js";
import { chatCompletionBody, type ChatCompletionBody } from "../openai/chatCompletionSchema.js";
import { toChatRequest } from "../openai/toChatRequest.js";
import { toOpenAIUsage } from "../openai/toOpenAIUsage.js";
import { writeChatCompletionStream } from "../openai/writeChatCompletionStream.js";
import type { RequestSignals } from "../requestSignals.js";
import { openSseStream } from "../sseStream.js";
import { hijackHeaders } from "../security/hijackHeaders.js";
import type { Meter } from "../../metering/createMeter.js";
import { failureOutcome, meterParts } from "../../metering/meterParts.js";
import { outputBytesOf } from "../../metering/estimateTokens.js";

export interface ChatCompletionsDeps {
  router(): Router;
  signals: RequestSignals;
  logger: Logger;
  meter: Meter;
}

export function chatCompletionsRoute(app: FastifyInstance, deps: ChatCompletionsDeps): void {
  app.post("/v1/chat/completions", { config: { policy: "user", routeClass: "chat" }, schema: { body: chatCompletionBody } }, async (request, reply) => {
    const body = request.body as ChatCompletionBody;
    const chatRequest = toChatRequest(body);
    const router = deps.router();
    const plan = router.planForModel(body.model);
    const signal = deps.signals.signalFor(request.raw, reply.raw);
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const options = { signal, traceparent: request.traceparent };
    const startedAt = performance.now();
    // Before the router: a request the budget or the token limit refuses never reaches an engine.
    const ticket = await deps.meter.begin({
      principal: request.principal,
      targets: plan.targets.map((t) => `${t.guarded.engine.name}/${t.model}`),
      messages: chatRequest.messages,
      tools: chatRequest.tools,
      maxTokens: chatRequest.maxTokens,
      route: plan.name,
      traceId: request.traceId,
      requestId: request.id,
    });
    // Under a budget, an unbounded answer would outrun its reservation: the meter says what limit to send.
    const metered = ticket.maxTokens === undefined ? chatRequest : { ...chatRequest, maxTokens: ticket.maxTokens };
    const failed = (error: unknown) => ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });

    if (!body.stream) {
      let completed: Awaited<ReturnType<Router["complete"]>>;
      try {
        completed = await router.complete(plan, metered, options);
      } catch (error) {
        failed(error);
        throw error;
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

    let opened: Awaited<ReturnType<Router["open"]>>;
    try {
      opened = await router.open(plan, metered, options);
    } catch (error) {
      failed(error);
      throw error;
    }
    const { target } = opened;
    const model = `${target.guarded.engine.name}/${target.model}`;
    // Usage is counted from the engine's usage part whether or not the client asked for it (include_usage).
    const parts = meterParts(opened.opened.parts, (end) =>
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
