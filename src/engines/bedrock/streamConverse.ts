import { ConverseStreamCommand, type BedrockRuntimeClient, type ConverseStreamCommandInput, type ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { abortErrorFrom } from "../../abort.js";
import { GatewayError } from "../../errors.js";
import { errorCode } from "../openai/mapTransportError.js";
import type { StreamPart } from "../spec.js";
import { mapBedrockError } from "./mapBedrockError.js";
import { createConverseStreamState, translateConverseEvent } from "./translateConverseEvent.js";

export interface StreamConverseOptions {
  client: BedrockRuntimeClient;
  input: ConverseStreamCommandInput;
  signal: AbortSignal;
  onUpstreamError?: (error: unknown) => void;
  onBegin(): void;
  onSettled(): void;
}

/**
 * One ConverseStream call as stream parts, keeping the error contract of createOpenAIEngine: before any part a
 * failure is thrown (retryable as mapBedrockError says); after output an in-band exception, a bad frame or an
 * end without messageStop is a terminal `error` part and a lost connection a thrown upstream_error; anything
 * after messageStop is a complete answer. A fired signal rejects with an AbortError.
 */
export async function* streamConverse(options: StreamConverseOptions): AsyncGenerator<StreamPart> {
  const { client, input, signal } = options;
  if (signal.aborted) throw abortErrorFrom(signal);
  // Our own controller too: a consumer that stops reading early must release the connection as an abort does.
  const call = new AbortController();
  const onAbort = () => call.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  options.onBegin();
  const state = createConverseStreamState();
  let started = false;
  try {
    let events: AsyncIterable<ConverseStreamOutput>;
    try {
      const response = await client.send(new ConverseStreamCommand(input), { abortSignal: call.signal });
      if (response.stream === undefined) throw new GatewayError("upstream_error", "Bedrock answered without an event stream", { retryable: true });
      events = response.stream;
    } catch (error) {
      if (signal.aborted) throw abortErrorFrom(signal);
      options.onUpstreamError?.(error);
      throw mapBedrockError(error);
    }
    const iterator = events[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<ConverseStreamOutput>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (signal.aborted) throw abortErrorFrom(signal);
        if (state.finished) return;
        options.onUpstreamError?.(error);
        const failure = midStreamFailure(error, started);
        if (failure.thrown) throw failure.error;
        yield { type: "error", error: failure.error };
        return;
      }
      if (signal.aborted) throw abortErrorFrom(signal);
      if (next.done === true) break;
      const translated = translateConverseEvent(next.value, state);
      if (translated.kind === "exception") {
        if (state.finished) return;
        options.onUpstreamError?.(translated.error);
        if (!started) throw mapBedrockError(translated.error);
        yield { type: "error", error: new GatewayError("upstream_error", `Bedrock failed mid-answer: ${translated.error.message}`, { cause: translated.error }) };
        return;
      }
      for (const part of translated.parts) {
        started = true;
        yield part;
        if (signal.aborted) throw abortErrorFrom(signal);
      }
    }
    if (!state.finished) {
      const error = new GatewayError("upstream_error", "Bedrock's stream ended without messageStop", { retryable: !started });
      if (!started) throw error;
      yield { type: "error", error };
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    call.abort();
    options.onSettled();
  }
}

/** After output nothing is retryable: a lost connection is thrown, a bad frame or in-band failure is an error part. */
function midStreamFailure(error: unknown, started: boolean): { thrown: boolean; error: GatewayError } {
  if (!started) return { thrown: true, error: mapBedrockError(error) };
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError") return { thrown: true, error: new GatewayError("engine_timeout", "Bedrock stopped sending in the middle of the answer", { cause: error }) };
  if (errorCode(error) !== undefined || /aborted|premature close|socket hang up/i.test(error instanceof Error ? error.message : "")) {
    return { thrown: true, error: new GatewayError("upstream_error", "the connection to Bedrock was lost mid-answer", { cause: error }) };
  }
  return { thrown: false, error: new GatewayError("upstream_error", `Bedrock's stream broke mid-answer${error instanceof Error ? `: ${error.message}` : ""}`, { cause: error }) };
}

