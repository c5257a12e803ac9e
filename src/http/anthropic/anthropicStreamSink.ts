/**
 * Anthropic's streamed answer: the pipeline's parts as Messages events over SSE (apis/anthropic/messageEvents),
 * ending with `message_stop`, or with an `error` event if the stream fails midway: never a clean stop after a
 * failure.
 */
import type { FastifyReply } from "fastify";
import { messageEvents, type MessageEvent, type MessageEvents } from "../../apis/anthropic/messageEvents.js";
import { messageId } from "../../apis/anthropic/messageOf.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import { staleWarning } from "../../cache/staleOnError.js";
import type { CompletionSink } from "../../completions/completionSink.js";
import { GatewayError, isAbortError, isGatewayError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { errorEnvelope } from "../errorEnvelope.js";
import { hijackHeaders } from "../security/hijackHeaders.js";
import { openSseStream, type SseStream } from "../sseStream.js";

export interface AnthropicSinkRequest {
  traceId: string;
  log: Logger;
  /** The prompt's estimated tokens for `message_start`; `message_delta` carries the engine's count. */
  promptTokens: number;
}

export function anthropicStreamSink(reply: FastifyReply, request: AnthropicSinkRequest): CompletionSink {
  let sse: SseStream | undefined;
  let events: MessageEvents | undefined;
  const sendAll = (stream: SseStream, list: readonly MessageEvent[]): boolean | Promise<boolean> => {
    let result: boolean | Promise<boolean> = true;
    for (const item of list) result = stream.send(item.data, item.event);
    return result;
  };
  return {
    open(head) {
      events = messageEvents(messageId(), head.model);
      if (head.cache !== undefined) reply.header(cacheHeader, head.cache);
      if (head.cache === "stale") reply.header("warning", staleWarning);
      reply.hijack();
      sse = openSseStream(reply.raw, { "x-trace-id": request.traceId, "request-id": request.traceId }, hijackHeaders(reply));
      // The head's first write: the socket takes it whole, so there is no backpressure to wait for yet.
      void sendAll(sse, events.start(request.promptTokens));
    },
    write(part) {
      if (part.type === "error" || sse === undefined || events === undefined) return true;
      return sendAll(sse, events.part(part));
    },
    async close(end) {
      const stream = sse;
      if (stream === undefined || events === undefined) return;
      try {
        if (end.completed) {
          await sendAll(stream, events.end());
          return;
        }
        const error = end.failure;
        if (error === undefined || stream.closed() || isAbortError(error)) return;
        const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
        if (!isGatewayError(error)) request.log.error({ err: error }, "messages stream failed");
        else request.log.warn({ code: failure.code, reason: failure.message }, "messages stream ended with an error");
        await stream.send(JSON.stringify(errorEnvelope("anthropic", { code: failure.code, message: failure.message, traceId: request.traceId })), "error");
      } finally {
        stream.end();
      }
    },
  };
}
