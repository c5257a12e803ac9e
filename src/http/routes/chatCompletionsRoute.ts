/**
 * POST /v1/chat/completions: OpenAI's wire in and out, nothing else. The request becomes a CompletionInput, the
 * pipeline (completions/createChatCompletions) does the rest — through the server-tool loop on a route with
 * `serverTools` (completions/createServerToolLoop) — and the answer goes back as a `chat.completion` object or as
 * `chat.completion.chunk` events.
 */
import type { FastifyInstance } from "fastify";
import { chatCompletionBody, type ChatCompletionBody } from "../../apis/openai/chatCompletionSchema.js";
import { completionId } from "../../apis/openai/completionOf.js";
import { completionBody } from "../../apis/openai/completionBody.js";
import { toChatRequest } from "../../apis/openai/toChatRequest.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import type { ChatCompletions } from "../../completions/createChatCompletions.js";
import type { CompletionContext } from "../../completions/completionContext.js";
import type { ServerToolLoop } from "../../completions/createServerToolLoop.js";
import { openAIStreamSink } from "../openai/openAIStreamSink.js";
import { setCacheHeaders } from "../cacheHeaders.js";
import type { RequestSignals } from "../requestSignals.js";

const completionSchema = {
  tags: ["openai"],
  summary: "Create a chat completion",
  description:
    "OpenAI's chat completion, streamed (`stream: true`: `chat.completion.chunk` events ending with `data: [DONE]`, or a " +
    "`data: {\"error\": …}` event when the stream fails after it started) or not (a `chat.completion` object). The response's " +
    "`model` names the `engine/model` that served it. With the response cache on, the `x-switchyard-cache` response header " +
    "says `hit`, `miss`, `bypass` or `stale` (an expired answer served because every engine of the route failed, with a " +
    "`warning` header; see `staleIfErrorSeconds`) or `semantic-hit` (a route's semantic cache answered a request that meant the same, " +
    "with `x-switchyard-cache-score`: the similarity); the request header `x-switchyard-cache: use` opts a request in, `bypass` skips the cache. " +
    "On a route with `serverTools`, the gateway's own tools the caller may use are offered beside the request's `tools` (a request tool " +
    "with the same name is a 400, param `tools`); when the model calls any of them, the gateway runs them and asks the model again, at " +
    "most `tools.maxSteps` engine calls, each metered as a request of its own. The answer holds the text of every call in order, the " +
    "last answer's tool calls (only ever the client's: a server call is never shown, streamed or not) and finish reason (`length` when " +
    "the step limit left only server calls), and the usage of every call added up.",
  body: chatCompletionBody,
};

export interface ChatCompletionsRouteDeps {
  completions: ChatCompletions;
  signals: RequestSignals;
  /** The server-tool loop of routes with `serverTools`; without it every route answers through `completions`. */
  serverTools?: ServerToolLoop | undefined;
}

export function chatCompletionsRoute(app: FastifyInstance, deps: ChatCompletionsRouteDeps): void {
  app.post("/v1/chat/completions", { config: { policy: "user", routeClass: "chat" }, schema: completionSchema }, async (request, reply) => {
    const body = request.body as ChatCompletionBody;
    // The request's one context object, from its first hook; this route adds the signal its engine calls need,
    // made only when one is called.
    let signal: AbortSignal | undefined;
    const context: CompletionContext = Object.assign(request.observed, { abortSignal: () => (signal ??= deps.signals.signalFor(request.raw, reply.raw)) });
    const input = { model: body.model, request: toChatRequest(body), cacheHeader: request.headers[cacheHeader] };
    const completions = deps.serverTools?.forModel(body.model) ?? deps.completions;
    if (body.stream) {
      await completions.stream(context, input, openAIStreamSink(reply, { traceId: request.traceId, log: context.log, includeUsage: body.stream_options?.include_usage === true }));
      return;
    }
    const answer = await completions.complete(context, input);
    setCacheHeaders(reply, answer);
    // A stored answer keeps its serialized form: a hit costs a string concatenation, not a serialization.
    reply.type("application/json; charset=utf-8");
    return completionBody(completionId(), Math.floor(Date.now() / 1000), answer.model, answer.response, answer.stored !== undefined);
  });
}
