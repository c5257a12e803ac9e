/**
 * POST /v1/chat/completions: OpenAI's wire in and out, nothing else. The request becomes a CompletionInput, the
 * pipeline (completions/createChatCompletions) does the rest, and the answer goes back as a `chat.completion`
 * object or as `chat.completion.chunk` events.
 */
import type { FastifyInstance } from "fastify";
import { chatCompletionBody, type ChatCompletionBody } from "../../apis/openai/chatCompletionSchema.js";
import { completionId } from "../../apis/openai/completionOf.js";
import { completionBody } from "../../apis/openai/completionBody.js";
import { toChatRequest } from "../../apis/openai/toChatRequest.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import { staleWarning } from "../../cache/staleOnError.js";
import type { ChatCompletions } from "../../completions/createChatCompletions.js";
import type { CompletionContext } from "../../completions/completionContext.js";
import { openAIStreamSink } from "../openai/openAIStreamSink.js";
import type { RequestSignals } from "../requestSignals.js";

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

export interface ChatCompletionsRouteDeps {
  completions: ChatCompletions;
  signals: RequestSignals;
}

export function chatCompletionsRoute(app: FastifyInstance, deps: ChatCompletionsRouteDeps): void {
  app.post("/v1/chat/completions", { config: { policy: "user", routeClass: "chat" }, schema: completionSchema }, async (request, reply) => {
    const body = request.body as ChatCompletionBody;
    // The request's one context object, from its first hook; this route adds the signal its engine calls need,
    // made only when one is called.
    let signal: AbortSignal | undefined;
    const context: CompletionContext = Object.assign(request.observed, { abortSignal: () => (signal ??= deps.signals.signalFor(request.raw, reply.raw)) });
    const input = { model: body.model, request: toChatRequest(body), cacheHeader: request.headers[cacheHeader] };
    if (body.stream) {
      await deps.completions.stream(context, input, openAIStreamSink(reply, { traceId: request.traceId, log: context.log, includeUsage: body.stream_options?.include_usage === true }));
      return;
    }
    const answer = await deps.completions.complete(context, input);
    if (answer.cache !== undefined) reply.header(cacheHeader, answer.cache);
    if (answer.cache === "stale") reply.header("warning", staleWarning);
    // A stored answer keeps its serialized form: a hit costs a string concatenation, not a serialization.
    reply.type("application/json; charset=utf-8");
    return completionBody(completionId(), Math.floor(Date.now() / 1000), answer.model, answer.response, answer.stored !== undefined);
  });
}
