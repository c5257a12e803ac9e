/**
 * POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages API in and out, served by any engine
 * through the same pipeline as /v1/chat/completions (auth by `x-api-key` or bearer, limits, budgets, cache,
 * metering, fallbacks). The request becomes a CompletionInput; the answer goes back as a `message` object or
 * as Messages events. Errors use Anthropic's envelope (errorEnvelope's `anthropic` family).
 */
import type { FastifyInstance } from "fastify";
import { messageId, messageOf } from "../../apis/anthropic/messageOf.js";
import { countTokensBody, messagesBody, type CountTokensBody, type MessagesBody } from "../../apis/anthropic/messagesSchema.js";
import { messagesToChatRequest } from "../../apis/anthropic/messagesToChatRequest.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import type { ChatCompletions } from "../../completions/createChatCompletions.js";
import type { CompletionContext } from "../../completions/completionContext.js";
import type { ServerToolLoop } from "../../completions/createServerToolLoop.js";
import { estimatePromptTokens } from "../../metering/estimateTokens.js";
import type { Router } from "../../routing/createRouter.js";
import { anthropicStreamSink } from "../anthropic/anthropicStreamSink.js";
import { setCacheHeaders } from "../cacheHeaders.js";
import type { RequestSignals } from "../requestSignals.js";

const messagesSchema = {
  tags: ["anthropic"],
  summary: "Create a message (Anthropic Messages API)",
  description:
    "Anthropic's Messages request, served by any engine. Streamed (`stream: true`: `message_start`, `ping`, content blocks with " +
    "`text_delta` / `input_json_delta`, `message_delta`, `message_stop`; an `error` event when the stream fails after it started) " +
    "or not (a `message` object). `model` takes the same names as /v1/chat/completions; the response's `model` names the " +
    "`engine/model` that served it. `x-api-key` or a bearer token authenticates. On a route with `serverTools` the gateway runs its own " +
    "tools as on /v1/chat/completions: the client gets one message, with `tool_use` blocks only for its own tools.",
  body: messagesBody,
};

const countTokensSchema = {
  tags: ["anthropic"],
  summary: "Count a message's input tokens (estimated)",
  description:
    "`{input_tokens}` for a Messages request as it would be sent, estimated at four UTF-8 bytes per token plus four per " +
    "message: the engines behind the gateway have different tokenizers. The model must be one the caller may use.",
  body: countTokensBody,
};

export interface MessagesRouteDeps {
  completions: ChatCompletions;
  signals: RequestSignals;
  router: () => Router;
  /** The server-tool loop of routes with `serverTools`; without it every route answers through `completions`. */
  serverTools?: ServerToolLoop | undefined;
}

export function messagesRoute(app: FastifyInstance, deps: MessagesRouteDeps): void {
  app.post("/v1/messages", { config: { policy: "user", routeClass: "chat" }, schema: messagesSchema }, async (request, reply) => {
    const body = request.body as MessagesBody;
    let signal: AbortSignal | undefined;
    const context: CompletionContext = Object.assign(request.observed, { abortSignal: () => (signal ??= deps.signals.signalFor(request.raw, reply.raw)) });
    const chatRequest = messagesToChatRequest(body);
    const input = { model: body.model, request: chatRequest, cacheHeader: request.headers[cacheHeader] };
    reply.header("request-id", request.traceId);
    const completions = deps.serverTools?.forModel(body.model) ?? deps.completions;
    if (body.stream === true) {
      const promptTokens = estimatePromptTokens(chatRequest.messages, chatRequest.tools);
      await completions.stream(context, input, anthropicStreamSink(reply, { traceId: request.traceId, log: context.log, promptTokens }));
      return;
    }
    const answer = await completions.complete(context, input);
    setCacheHeaders(reply, answer);
    return messageOf(messageId(), answer.model, answer.response);
  });

  app.post(
    "/v1/messages/count_tokens",
    { config: { policy: "user", routeClass: "chat" }, schema: countTokensSchema },
    async (request, reply) => {
      const body = request.body as CountTokensBody;
      // Unknown models are refused as a message would be: a count for a model nobody serves means nothing.
      deps.router().planForModel(body.model);
      const chatRequest = messagesToChatRequest(body);
      reply.header("request-id", request.traceId);
      return { input_tokens: estimatePromptTokens(chatRequest.messages, chatRequest.tools) };
    },
  );
}
