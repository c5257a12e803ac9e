import type { ChatHistoryItem } from "node-llama-cpp";
import { GatewayError, isGatewayError } from "../../errors.js";
import type { ChatRequest, FinishReason, StreamPart, Usage } from "../spec.js";
import { abortErrorFrom, linkSignals } from "../../abort.js";
import { createAsyncQueue } from "./createAsyncQueue.js";
import type { SequenceSlot } from "./createSequencePool.js";

export interface GenerationInput {
  engineName: string;
  slot: SequenceSlot;
  history: ChatHistoryItem[];
  request: ChatRequest;
  maxTokens: number;
  /** Tokens in the rendered prompt (OpenAI's prompt_tokens). */
  promptTokens: number;
  /** Leading prompt tokens already evaluated in the slot's sequence, which LlamaChat does not evaluate again. */
  cachedPromptTokens: number;
  /** The request's signal joined with the engine's close signal. */
  signal: AbortSignal;
  /** Receives the native generation's promise, so close() can wait for it before disposing the context. */
  track(generation: Promise<void>): void;
}

/**
 * Runs one generation on a held sequence and streams it as parts: text deltas as node-llama-cpp reports them,
 * then usage, then finish. Returns only once the native generation has stopped, so the caller can hand the
 * sequence to the next request. On abort nothing more is yielded and the iterator rejects with an AbortError.
 */
export async function* generateParts(input: GenerationInput): AsyncGenerator<StreamPart, void, undefined> {
  const { request, signal } = input;
  // Also stops the generation when the consumer leaves early (break/return) without aborting its signal.
  const stop = linkSignals(signal);
  // onResponseChunk cannot wait for the consumer, so parts buffer here; the buffer is bounded by maxTokens.
  const parts = createAsyncQueue<StreamPart>();
  let outputTokens = 0;
  let reasoningTokens = 0;

  const generation = input.slot.chat
    .generateResponse(input.history, {
      signal: stop.signal,
      // Return rather than throw once output started: the abort is reported from the consumer side instead.
      stopOnAbortSignal: true,
      maxTokens: input.maxTokens,
      // OpenAI's default; node-llama-cpp's own default (0, greedy) loops on small models.
      temperature: request.temperature ?? 1,
      topP: request.topP,
      seed: request.seed,
      customStopTriggers: request.stop?.filter((trigger) => trigger !== ""),
      onResponseChunk: (chunk) => {
        outputTokens += chunk.tokens.length;
        // Thought segments are counted but not streamed: StreamPart has no reasoning channel yet.
        if (chunk.type === "segment") reasoningTokens += chunk.tokens.length;
        else if (chunk.text !== "") parts.push({ type: "text-delta", text: chunk.text });
      },
    })
    .then(
      (response) => {
        const usage: Usage = {
          inputTokens: input.promptTokens,
          outputTokens,
          totalTokens: input.promptTokens + outputTokens,
          cachedInputTokens: input.cachedPromptTokens,
          ...(reasoningTokens > 0 && { reasoningTokens }),
        };
        parts.push({ type: "usage", usage });
        parts.push({ type: "finish", reason: finishReason(response.metadata.stopReason) });
        parts.end();
      },
      (error: unknown) => parts.fail(error),
    );
  input.track(generation);

  let started = false;
  try {
    for (;;) {
      const next = await parts.shift(signal);
      if (next.done) return;
      started = true;
      yield next.value;
    }
  } catch (error) {
    if (signal.aborted) throw abortErrorFrom(signal);
    const failure = isGatewayError(error)
      ? error
      : new GatewayError("upstream_error", `engine ${input.engineName} failed: ${messageOf(error)}`, {
          retryable: !started,
          cause: error,
        });
    if (!started) throw failure;
    yield { type: "error", error: failure };
  } finally {
    stop.controller.abort();
    stop.unlink();
    await generation;
  }
}

function finishReason(stopReason: string): FinishReason {
  return stopReason === "maxTokens" ? "length" : "stop";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
