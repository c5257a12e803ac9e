/**
 * The OpenAI API's streamed answer: the pipeline's parts as `chat.completion.chunk` events over SSE, ending with
 * `data: [DONE]`, or with an error event if the stream fails midway: never a silent end.
 */
import type { FastifyReply } from "fastify";
import { chunkFrames, type ChunkFrames } from "../../apis/openai/chunkFrames.js";
import { completionId } from "../../apis/openai/completionOf.js";
import type { CompletionSink } from "../../completions/completionSink.js";
import type { Usage } from "../../engines/spec.js";
import type { Logger } from "../../logger.js";
import { closeSseStream } from "../closeSseStream.js";
import { errorEnvelope } from "../errorEnvelope.js";
import { openCompletionStream } from "../openCompletionStream.js";
import type { SseStream } from "../sseStream.js";

export interface StreamSinkRequest {
  traceId: string;
  log: Logger;
  /** `stream_options.include_usage`: a last chunk carries the usage. */
  includeUsage: boolean;
}

export function openAIStreamSink(reply: FastifyReply, request: StreamSinkRequest): CompletionSink {
  let sse: SseStream | undefined;
  let frames: ChunkFrames | undefined;
  let usage: Usage | undefined;
  return {
    open(head) {
      frames = chunkFrames(completionId(), Math.floor(Date.now() / 1000), head.model);
      sse = openCompletionStream(reply, head, { "x-trace-id": request.traceId });
    },
    write(part) {
      if (part.type === "usage") {
        usage = part.usage;
        return true;
      }
      if (part.type === "error" || sse === undefined || frames === undefined) return true;
      const frame = frames.frame(part);
      return frame === undefined ? true : sse.send(frame);
    },
    keepalive() {
      sse?.comment("keepalive");
    },
    async close(end) {
      const stream = sse;
      if (stream === undefined) return;
      await closeSseStream(stream, {
        end,
        log: request.log,
        name: "chat completion",
        completed: async () => {
          if (request.includeUsage && usage && frames && !(await stream.send(frames.usage(usage)))) return false;
          return stream.send("[DONE]");
        },
        failed: (failure) => stream.send(JSON.stringify(errorEnvelope("openai", { code: failure.code, message: failure.message, rule: failure.rule, traceId: request.traceId }))),
      });
    },
  };
}
