/**
 * One `streamGenerateContent?alt=sse` call as parts, following the engine contract (see createOpenAIEngine):
 * before the consumer holds a part, failures are thrown and marked retryable where another try may succeed;
 * after, a broken stream ends with an `error` part or a thrown upstream_error, never with a clean finish.
 */
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { abortErrorFrom } from "../../abort.js";
import { GatewayError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import { createSseParser } from "../openai/createSseParser.js";
import { errorCode, mapTransportError } from "../openai/mapTransportError.js";
import { readBoundedText } from "../openai/readBoundedText.js";
import { mapGeminiError } from "./mapGeminiError.js";
import { finishReasonOf, newGeminiChunkState, translateGeminiChunk } from "./translateGeminiChunk.js";

export interface GenerateContentCall {
  dispatcher: Dispatcher;
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Removes the engine's credential from an upstream error body before it travels anywhere. */
  redact(text: string): string;
  onUpstreamError?(status: number, error: GatewayError): void;
  /** The request goes out; paired with exactly one onSettled. */
  onBegin(): void;
  onSettled(): void;
}

const errorBodyLimit = 64 * 1024;

export async function* streamGenerateContent(call: GenerateContentCall): AsyncGenerator<StreamPart, void, undefined> {
  const { signal } = call;
  if (signal.aborted) throw abortErrorFrom(signal);
  call.onBegin();
  let body: Readable | undefined;
  // Whether the consumer has held a part: from then on nothing is retryable.
  let started = false;
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await call.dispatcher.request({ method: "POST", path: call.path, headers: call.headers, body: call.body, signal });
    } catch (error) {
      if (signal.aborted) throw abortErrorFrom(signal);
      throw mapTransportError(error);
    }
    body = response.body;
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readBoundedText(response.body, errorBodyLimit);
      if (signal.aborted) throw abortErrorFrom(signal);
      const error = mapGeminiError(response.statusCode, response.headers, call.redact(text));
      call.onUpstreamError?.(response.statusCode, error);
      throw error;
    }

    const state = newGeminiChunkState();
    const pending: StreamPart[] = [];
    const parser = createSseParser((data) => translateGeminiChunk(data, state, pending));
    // A read may split a character; the decoder keeps it whole.
    const decoder = new StringDecoder("utf8");
    const failed = () => {
      const failure = state.failure;
      if (failure === undefined) return undefined;
      // Before output an in-band error keeps its own meaning (a rate limit is retryable elsewhere).
      if (!started && failure.error) return failure.error;
      return new GatewayError("upstream_error", failure.message, { retryable: !started, cause: failure.cause });
    };
    let lost: unknown;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        parser.feed(decoder.write(chunk));
        for (const part of pending) {
          yield part;
          started = true;
          if (signal.aborted) throw abortErrorFrom(signal);
        }
        pending.length = 0;
        if (state.failure) break;
      }
      if (!state.failure) {
        parser.feed(decoder.end());
        parser.end();
      }
    } catch (error) {
      if (signal.aborted) throw abortErrorFrom(signal);
      if (error instanceof RangeError) state.failure ??= { message: error.message, cause: error };
      else if (errorCode(error) === undefined) throw error;
      else lost = error;
    }
    if (signal.aborted) throw abortErrorFrom(signal);
    // Parts parsed before a failure arrived first; the consumer gets them before hearing of it.
    for (const part of pending) {
      yield part;
      started = true;
    }
    pending.length = 0;
    const failure = failed();
    if (failure) {
      if (!started) throw failure;
      yield { type: "error", error: failure };
      return;
    }
    if (state.finishReason === undefined) {
      if (lost !== undefined && errorCode(lost) === "UND_ERR_BODY_TIMEOUT") {
        throw new GatewayError("engine_timeout", "upstream stopped sending in the middle of the answer", { retryable: !started, cause: lost });
      }
      const message = lost === undefined ? "upstream ended the stream without a finish reason" : "upstream closed the stream before it finished";
      throw new GatewayError("upstream_error", message, { retryable: !started, cause: lost });
    }
    // A connection lost after the finishReason still delivered the whole answer.
    yield { type: "finish", reason: finishReasonOf(state) };
    if (state.usage) yield { type: "usage", usage: state.usage };
  } finally {
    // Left early, failed or aborted: the connection is closed so the upstream stops generating.
    if (body !== undefined && !body.readableEnded) body.destroy();
    call.onSettled();
  }
}
