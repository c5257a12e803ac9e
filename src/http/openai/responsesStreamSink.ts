/**
 * The Responses API's streamed answer: the pipeline's parts as Responses events over SSE
 * (apis/openai/responses/responseEvents), ending with `response.completed` or `response.incomplete`, or with
 * `response.failed` if the stream fails midway: never a clean end after a failure.
 */
import type { FastifyReply } from "fastify";
import { responseErrorOf } from "../../apis/openai/responses/responseErrorOf.js";
import { responseEvents, type ResponseEvents } from "../../apis/openai/responses/responseEvents.js";
import type { ResponseFrame } from "../../apis/openai/responses/responseObject.js";
import type { CompletionSink } from "../../completions/completionSink.js";
import type { Logger } from "../../logger.js";
import { createScrubber } from "../../observability/createScrubber.js";
import { closeSseStream, sendEvents } from "../closeSseStream.js";
import { openCompletionStream } from "../openCompletionStream.js";
import type { SseStream } from "../sseStream.js";

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
  return {
    open(head) {
      events = responseEvents({ ...request.frame, model: head.model });
      sse = openCompletionStream(reply, head, { "x-trace-id": request.traceId, "x-request-id": request.traceId });
      // The head's first write: the socket takes it whole, so there is no backpressure to wait for yet.
      void sendEvents(sse, events.start());
    },
    write(part) {
      if (part.type === "error" || sse === undefined || events === undefined) return true;
      return sendEvents(sse, events.part(part));
    },
    keepalive() {
      // The Responses API has no keepalive event of its own; clients skip SSE comments.
      sse?.comment("keepalive");
    },
    async close(end) {
      const stream = sse;
      const encoder = events;
      if (stream === undefined || encoder === undefined) return;
      await closeSseStream(stream, {
        end,
        log: request.log,
        name: "responses",
        completed: () => sendEvents(stream, encoder.end()),
        failed: (failure) => {
          const refusal = responseErrorOf(failure);
          return sendEvents(stream, encoder.fail({ ...refusal, message: scrub(refusal.message) }));
        },
      });
    },
  };
}
