/**
 * Anthropic's streamed answer: the pipeline's parts as Messages events over SSE (apis/anthropic/messageEvents),
 * ending with `message_stop`, or with an `error` event if the stream fails midway: never a clean stop after a
 * failure.
 */
import type { FastifyReply } from "fastify";
import { messageEvents, ping, type MessageEvents } from "../../apis/anthropic/messageEvents.js";
import { messageId } from "../../apis/anthropic/messageOf.js";
import type { CompletionSink } from "../../completions/completionSink.js";
import type { Logger } from "../../logger.js";
import { closeSseStream, sendEvents } from "../closeSseStream.js";
import { errorEnvelope } from "../errorEnvelope.js";
import { openCompletionStream } from "../openCompletionStream.js";
import type { SseStream } from "../sseStream.js";

export interface AnthropicSinkRequest {
  traceId: string;
  log: Logger;
  /** The prompt's estimated tokens for `message_start`; `message_delta` carries the engine's count. */
  promptTokens: number;
}

export function anthropicStreamSink(reply: FastifyReply, request: AnthropicSinkRequest): CompletionSink {
  let sse: SseStream | undefined;
  let events: MessageEvents | undefined;
  return {
    open(head) {
      events = messageEvents(messageId(), head.model);
      sse = openCompletionStream(reply, head, { "x-trace-id": request.traceId, "request-id": request.traceId });
      // The head's first write: the socket takes it whole, so there is no backpressure to wait for yet.
      void sendEvents(sse, events.start(request.promptTokens));
    },
    write(part) {
      if (part.type === "error" || sse === undefined || events === undefined) return true;
      return sendEvents(sse, events.part(part));
    },
    keepalive() {
      if (sse !== undefined) void sendEvents(sse, [ping]);
    },
    async close(end) {
      const stream = sse;
      const encoder = events;
      if (stream === undefined || encoder === undefined) return;
      await closeSseStream(stream, {
        end,
        log: request.log,
        name: "messages",
        completed: () => sendEvents(stream, encoder.end()),
        failed: (failure) =>
          stream.send(JSON.stringify(errorEnvelope("anthropic", { code: failure.code, message: failure.message, rule: failure.rule, traceId: request.traceId })), "error"),
      });
    },
  };
}
