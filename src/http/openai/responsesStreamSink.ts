/**
 * The Responses API's streamed answer: the pipeline's parts as Responses events over SSE
 * (apis/openai/responses/responseEvents), ending with `response.completed` or `response.incomplete`, or with
 * `response.failed` if the stream fails midway: never a clean end after a failure.
 */
import type { FastifyReply } from "fastify";
import { responseErrorOf } from "../../apis/openai/responses/responseErrorOf.js";
import { responseEvents, type ResponseEvent, type ResponseEvents } from "../../apis/openai/responses/responseEvents.js";
import type { ResponseFrame } from "../../apis/openai/responses/responseObject.js";
import { cacheHeader } from "../../cache/cacheDecision.js";
import { staleWarning } from "../../cache/staleOnError.js";
import type { CompletionSink } from "../../completions/completionSink.js";
import { GatewayError, isAbortError, isGatewayError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { createScrubber } from "../../observability/createScrubber.js";
import { hijackHeaders } from "../security/hijackHeaders.js";
import { openSseStream, type SseStream } from "../sseStream.js";

// Error messages can quote upstream bodies; whatever credential shape hides in them never leaves (as in errorEnvelope).
const scrub = createScrubber();

export interface ResponsesSinkRequest {
  traceId: string;
  log: Logger;
  /** The response's id, creation time and echoed request fields; the model is the head's. */
  frame: Omit<ResponseFrame, "model">;
}

export function responsesStreamSink(reply: FastifyReply, request: ResponsesSinkRequest): CompletionSink {
  let sse: SseStream | undefined;
  let events: ResponseEvents | undefined;
  const sendAll = (stream: SseStream, list: readonly ResponseEvent[]): boolean | Promise<boolean> => {
    let result: boolean | Promise<boolean> = true;
    for (const item of list) result = stream.send(item.data, item.event);
    return result;
  };
  return {
    open(head) {
      events = responseEvents({ ...request.frame, model: head.model });
      if (head.cache !== undefined) reply.header(cacheHeader, head.cache);
      if (head.cache === "stale") reply.header("warning", staleWarning);
      reply.hijack();
      sse = openSseStream(reply.raw, { "x-trace-id": request.traceId, "x-request-id": request.traceId }, hijackHeaders(reply));
      // The head's first write: the socket takes it whole, so there is no backpressure to wait for yet.
      void sendAll(sse, events.start());
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
        if (!isGatewayError(error)) request.log.error({ err: error }, "responses stream failed");
        else request.log.warn({ code: failure.code, reason: failure.message }, "responses stream ended with an error");
        const { code, message } = responseErrorOf(failure);
        await sendAll(stream, events.fail({ code, message: scrub(message) }));
      } finally {
        stream.end();
      }
    },
  };
}
