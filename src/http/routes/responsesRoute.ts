/**
 * POST /v1/responses: OpenAI's Responses API in and out, served by any engine through the same pipeline as
 * /v1/chat/completions (auth, limits, budgets, cache, metering, fallbacks). The request becomes a
 * CompletionInput; the answer goes back as a `response` object or as Responses events. Nothing is stored: every
 * request carries its whole conversation, and the response says `store: false`. Errors use OpenAI's envelope.
 */
import type { FastifyInstance } from "fastify";
import { responseEchoOf } from "../../apis/openai/responses/responseEcho.js";
import { responseId } from "../../apis/openai/responses/responseIds.js";
import { responseOf } from "../../apis/openai/responses/responseOf.js";
import { responsesBody, type ResponsesBody } from "../../apis/openai/responses/responsesSchema.js";
import { responsesToChatRequest } from "../../apis/openai/responses/responsesToChatRequest.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import type { ChatCompletions } from "../../completions/createChatCompletions.js";
import type { ServerToolLoop } from "../../completions/createServerToolLoop.js";
import type { CompletionContext } from "../../completions/completionContext.js";
import { responsesStreamSink } from "../openai/responsesStreamSink.js";
import { setCacheHeaders } from "../cacheHeaders.js";
import type { RequestSignals } from "../requestSignals.js";

const responsesSchema = {
  tags: ["openai"],
  summary: "Create a response (OpenAI Responses API)",
  description:
    "OpenAI's Responses request, served by any engine. Streamed (`stream: true`: `response.created`, `response.in_progress`, " +
    "output items with `response.output_text.delta` / `response.function_call_arguments.delta`, then `response.completed`, or " +
    "`response.incomplete` when `max_output_tokens` cut the answer; `response.failed` when the stream fails after it started) or not " +
    "(a `response` object). Only function tools and text input are taken; hosted tools, images and files are refused with a 400. " +
    "Nothing is stored: `store` is answered with `store: false`, and `previous_response_id` is refused (send the whole " +
    "conversation in `input`). `model` takes the same names as /v1/chat/completions; the response's `model` names the " +
    "`engine/model` that served it. On a route with `serverTools` the gateway runs its own tools as on /v1/chat/completions: " +
    "the client gets one response, with `function_call` items only for its own tools.",
  body: responsesBody,
};

export interface ResponsesRouteDeps {
  completions: ChatCompletions;
  /** The server-tool loop of routes with `serverTools`; without it every route answers through `completions`. */
  serverTools?: ServerToolLoop | undefined;
  signals: RequestSignals;
}

export function responsesRoute(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  app.post("/v1/responses", { config: { policy: "user", routeClass: "chat" }, schema: responsesSchema }, async (request, reply) => {
    const body = request.body as ResponsesBody;
    let signal: AbortSignal | undefined;
    const context: CompletionContext = Object.assign(request.observed, { abortSignal: () => (signal ??= deps.signals.signalFor(request.raw, reply.raw)) });
    const input = { model: body.model, request: responsesToChatRequest(body), cacheHeader: request.headers[cacheHeader] };
    const frame = { id: responseId(), createdAt: Math.floor(Date.now() / 1000), echo: responseEchoOf(body) };
    reply.header("x-request-id", request.traceId);
    const completions = deps.serverTools?.forModel(body.model) ?? deps.completions;
    if (body.stream === true) {
      await completions.stream(context, input, responsesStreamSink(reply, { traceId: request.traceId, log: context.log, frame }));
      return;
    }
    const answer = await completions.complete(context, input);
    setCacheHeaders(reply, answer);
    return responseOf({ ...frame, model: answer.model }, answer.response);
  });
}
