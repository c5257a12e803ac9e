/**
 * Engine parts → OpenAI `chat.completion.chunk` events ending with `data: [DONE]`, or with an error event if the
 * engine fails midway: never a silent end. Chunks are assembled from a per-request prefix to keep the hot loop lean.
 */
import type { FinishReason, StreamPart, Usage } from "../../engines/spec.js";
import { GatewayError, isAbortError, isGatewayError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { errorEnvelope } from "../errorEnvelope.js";
import type { SseStream } from "../sseStream.js";
import { toOpenAIUsage } from "./toOpenAIUsage.js";

export interface CompletionStreamMeta {
  id: string;
  created: number;
  model: string;
  includeUsage: boolean;
  traceId: string;
}

export async function writeChatCompletionStream(
  sse: SseStream,
  parts: AsyncIterable<StreamPart>,
  meta: CompletionStreamMeta,
  logger: Logger,
): Promise<void> {
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"system_fingerprint":null,"choices":[`;
  const chunk = (delta: string, finish: FinishReason | null) =>
    `${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? "null" : JSON.stringify(finish)}}]}`;
  let roleSent = false;
  const role = () => {
    if (roleSent) return "";
    roleSent = true;
    return `"role":"assistant",`;
  };
  let usage: Usage | undefined;
  try {
    for await (const part of parts) {
      let frame: string | undefined;
      switch (part.type) {
        case "text-delta":
          frame = chunk(`{${role()}"content":${JSON.stringify(part.text)}}`, null);
          break;
        case "tool-call-delta": {
          const call: Record<string, unknown> = { index: part.index };
          if (part.id) Object.assign(call, { id: part.id, type: "function" });
          const fn: Record<string, string> = {};
          if (part.name) fn.name = part.name;
          if (part.argumentsDelta !== undefined) fn.arguments = part.argumentsDelta;
          call.function = fn;
          frame = chunk(`{${role()}"tool_calls":${JSON.stringify([call])}}`, null);
          break;
        }
        case "finish":
          frame = chunk(roleSent ? "{}" : `{${role().slice(0, -1)}}`, part.reason);
          break;
        case "usage":
          usage = part.usage;
          break;
        case "error":
          throw part.error;
      }
      if (frame !== undefined && !(await sse.send(frame))) return;
    }
    if (meta.includeUsage && usage) {
      if (!(await sse.send(`${head}],"usage":${JSON.stringify(toOpenAIUsage(usage))}}`))) return;
    }
    await sse.send("[DONE]");
  } catch (error) {
    if (sse.closed || isAbortError(error)) return;
    const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
    if (!isGatewayError(error)) logger.error({ err: error }, "chat completion stream failed");
    else logger.warn({ code: failure.code, reason: failure.message }, "chat completion stream ended with an error");
    await sse.send(JSON.stringify(errorEnvelope("openai", { code: failure.code, message: failure.message, traceId: meta.traceId })));
  } finally {
    sse.end();
  }
}
