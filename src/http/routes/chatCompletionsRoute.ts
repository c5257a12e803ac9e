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

export interface ChatCompletionsDeps {
  router(): Router;
  signals: RequestSignals;
  logger: Logger;
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

    if (!body.stream) {
      const { target, response: collected } = await router.complete(plan, chatRequest, options);
      const model = `${target.guarded.engine.name}/${target.model}`;
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

    const { target, opened } = await router.open(plan, chatRequest, options);
    const model = `${target.guarded.engine.name}/${target.model}`;
    reply.hijack();
    const sse = openSseStream(reply.raw, { "x-trace-id": request.traceId });
    await writeChatCompletionStream(
      sse,
      opened.parts,
      { id, created, model, includeUsage: body.stream_options?.include_usage === true, traceId: request.traceId },
      request.log as Logger,
    );
  });
}
