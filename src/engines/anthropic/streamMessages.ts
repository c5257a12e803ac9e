/**
 * One streamed Messages call as parts. The body is read one chunk at a time, and only when the consumer asks for
 * more, so a consumer that falls behind leaves the chunks in the socket (undici pauses it) rather than in memory.
 *
 * "Before output" means before the consumer held a part: until then every failure is thrown and marked retryable
 * where another try may succeed; after, a broken stream ends with an `error` part or a thrown error, never silently
 * (see createAnthropicEngine for the whole contract).
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import { abortErrorFrom } from "../../abort.js";
import { GatewayError, isAbortError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import { createSseParser } from "../openai/createSseParser.js";
import { errorCode, mapTransportError } from "../openai/mapTransportError.js";
import { readBoundedText } from "../openai/readBoundedText.js";
import { mapAnthropicError, mapAnthropicStreamError } from "./mapAnthropicError.js";
import { newEventState, translateAnthropicEvent, type EventState } from "./translateAnthropicEvent.js";

export interface MessagesCall {
  dispatcher: Dispatcher;
  path: string;
  headers: Record<string, string>;
  /** Built when the first part is asked for, so a request that cannot be translated fails like any other call. */
  body(): string;
  signal: AbortSignal;
  /** Text that arrives in one read may be merged into one part (a collecting consumer). */
  coalesce: boolean;
  /** Removes the engine's credential from an upstream error body before it travels anywhere. */
  redact(text: string): string;
  onUpstreamError?(status: number, error: GatewayError): void;
  /** The request goes out. */
  onBegin(): void;
  /** Exactly once after onBegin, when the call is over however it ended. */
  onSettled(): void;
}

const errorBodyLimit = 64 * 1024;
const unfinishedMessage = "upstream ended the stream before message_stop";

export async function* streamMessages(call: MessagesCall): AsyncGenerator<StreamPart, void, undefined> {
  const { signal } = call;
  if (signal.aborted) throw abortErrorFrom(signal);
  const body = call.body();
  call.onBegin();
  let response: Dispatcher.ResponseData | undefined;
  try {
    try {
      response = await call.dispatcher.request({ method: "POST", path: call.path, headers: call.headers, body, signal });
    } catch (error) {
      if (signal.aborted) throw abortErrorFrom(signal);
      throw mapTransportError(error);
    }
    const { statusCode } = response;
    if (statusCode < 200 || statusCode >= 300) {
      const text = await readBoundedText(response.body, errorBodyLimit);
      if (signal.aborted) throw abortErrorFrom(signal);
      const error = mapAnthropicError(statusCode, response.headers, call.redact(text));
      call.onUpstreamError?.(statusCode, error);
      throw error;
    }
    yield* readEvents(response.body, call);
  } finally {
    // An early return or a failure leaves the body half read: the connection cannot be reused, so it is closed,
    // which is also how the upstream learns that nobody is listening any more.
    if (response !== undefined && !response.body.readableEnded) response.body.destroy();
    call.onSettled();
  }
}

async function* readEvents(body: AsyncIterable<Buffer>, call: MessagesCall): AsyncGenerator<StreamPart, void, undefined> {
  const { signal } = call;
  const state = newEventState();
  const parts: StreamPart[] = [];
  const parser = createSseParser((data) => translateAnthropicEvent(data, state, parts));
  // A read may split a character; the decoder keeps it whole.
  const decoder = new StringDecoder("utf8");
  let started = false;
  let lost: unknown;

  const feed = (text: string, last: boolean) => {
    try {
      parser.feed(text);
      if (last) parser.end();
    } catch (error) {
      // The SSE parser refusing an endless line: the stream is malformed, not the connection.
      if (!(error instanceof RangeError)) throw error;
      state.failure ??= { message: error.message, cause: error };
    }
  };
  const taken = (): StreamPart[] => {
    if (call.coalesce) coalesceText(parts);
    const out = parts.splice(0);
    if (out.length > 0) started = true;
    return out;
  };
  const broken = (events: EventState) => events.failure !== undefined || events.upstreamError !== undefined;

  try {
    let cut = false;
    for await (const chunk of body) {
      if (state.stopped) continue; // The rest of the body (usually nothing) is read so the connection can be reused.
      feed(decoder.write(chunk), false);
      for (const part of taken()) {
        if (signal.aborted) throw abortErrorFrom(signal);
        yield part;
      }
      // Nothing past a broken event is worth reading.
      if (broken(state)) {
        cut = true;
        break;
      }
    }
    if (!cut && !state.stopped) {
      feed(decoder.end(), true);
      for (const part of taken()) {
        if (signal.aborted) throw abortErrorFrom(signal);
        yield part;
      }
    }
  } catch (error) {
    if (signal.aborted) throw abortErrorFrom(signal);
    // Our own abort above, or anything without a transport code (a bug here, not the upstream's doing): as it is.
    if (isAbortError(error) || errorCode(error) === undefined) throw error;
    lost = error;
  }

  if (state.stopped) return;
  if (state.upstreamError !== undefined) {
    const error = mapAnthropicStreamError(state.upstreamError, !started);
    if (!started) throw error;
    yield { type: "error", error };
    return;
  }
  if (lost !== undefined && state.failure === undefined) {
    if (errorCode(lost) === "UND_ERR_BODY_TIMEOUT") throw withRetryable(mapTransportError(lost), !started);
    throw new GatewayError("upstream_error", "upstream closed the stream before it finished", { retryable: !started, cause: lost });
  }
  const failure = state.failure ?? { message: unfinishedMessage };
  const error = new GatewayError("upstream_error", failure.message, { retryable: !started, ...(failure.cause === undefined ? {} : { cause: failure.cause }) });
  // Before output it is an ordinary failure the router may retry elsewhere; after, the consumer sees it in-band.
  if (!started) throw error;
  yield { type: "error", error };
}

/** Merges runs of text parts in place: a collected answer pays per part, and its reader never sees the chunking. */
function coalesceText(parts: StreamPart[]): void {
  let kept = 0;
  for (const part of parts) {
    const last = kept > 0 ? parts[kept - 1] : undefined;
    if (last?.type === "text-delta" && part.type === "text-delta") parts[kept - 1] = { type: "text-delta", text: last.text + part.text };
    else parts[kept++] = part;
  }
  parts.length = kept;
}

function withRetryable(error: GatewayError, retryable: boolean): GatewayError {
  if (error.retryable === retryable) return error;
  return new GatewayError(error.code, error.message, {
    retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    cause: error.cause,
  });
}
