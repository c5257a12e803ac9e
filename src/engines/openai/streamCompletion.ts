/**
 * One upstream chat completion as an async iterator of parts, driven by undici's dispatch handler: the socket's
 * reads are parsed as they arrive and their parts queued for the consumer. No body stream, no async generator and
 * no promise per read stand between the socket and the parts; a consumer that falls behind pauses the socket.
 *
 * The outcomes follow the engine's contract (see createOpenAIEngine): before the consumer holds a part, failures
 * are thrown and marked retryable where another try may succeed; after, a broken stream ends with an `error` part
 * or a thrown error, never silently. Failures are judged when the consumer reaches them, behind the parts that
 * arrived first, so "before output" means before the consumer held a part.
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import { abortErrorFrom, abortErrorWith } from "../../abort.js";
import { GatewayError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import { completionToParts } from "./completionToParts.js";
import { createSseParser, type SseParser } from "./createSseParser.js";
import { errorCode, mapTransportError } from "./mapTransportError.js";
import { mapUpstreamError, type UpstreamHeaders } from "./mapUpstreamError.js";
import { newChunkState, translateChunk, type ChunkState } from "./translateChunk.js";

export interface CompletionCall {
  dispatcher: Dispatcher;
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Text that arrives in one read may be merged into one part (a collecting consumer). */
  coalesce: boolean;
  /** Removes the engine's credential from an upstream error body before it travels anywhere. */
  redact(text: string): string;
  onUpstreamError?(status: number, error: GatewayError): void;
  /** The request goes out (the consumer asked for its first part and the signal had not fired). */
  onBegin(): void;
  /** Exactly once after onBegin, when the call is over however it ended. */
  onSettled(): void;
}

const errorBodyLimit = 64 * 1024;
const completionBodyLimit = 16 * 1024 * 1024;
/** Parts queued for a consumer that has not asked for them yet, beyond which the socket is paused. */
const highWaterParts = 256;
// The reason a call is cut when its consumer stops reading; nobody sees it, so one instance serves every call.
const consumerLeft = abortErrorWith("the consumer stopped reading");

type Mode = "pending" | "error" | "whole" | "stream";

/** Why the queue ends once the consumer reaches it. */
type Terminal =
  | { kind: "end" }
  | { kind: "throw"; error: unknown }
  /** A stream failure (malformed chunk, in-band error, no finish reason): thrown before output, a part after. */
  | { kind: "failure"; message: string; cause: unknown }
  /** The connection was lost while the body was read. */
  | { kind: "lost"; error: unknown };

export function streamCompletion(call: CompletionCall): AsyncIterableIterator<StreamPart> {
  const { signal } = call;
  let begun = false;
  let settled = false;
  let controller: Dispatcher.DispatchController | undefined;
  let mode: Mode = "pending";
  let status = 0;
  let responseHeaders: UpstreamHeaders = {};
  const bytes: Buffer[] = [];
  let byteCount = 0;
  let bodyLimit = 0;
  // Stream mode.
  let state: ChunkState | undefined;
  let parser: SseParser | undefined;
  let decoder: StringDecoder | undefined;
  const pending: StreamPart[] = [];

  const queue: StreamPart[] = [];
  let head = 0;
  let terminal: Terminal | undefined;
  // Whether the consumer has held a part: from then on a failure is reported, never retried.
  let started = false;
  let waiter: { resolve(result: IteratorResult<StreamPart>): void; reject(error: unknown): void } | undefined;
  let paused = false;
  // The response is over (ended, failed or aborted): nothing is left to cut.
  let responseOver = false;

  const settle = () => {
    if (settled) return;
    settled = true;
    signal.removeEventListener("abort", onAbort);
    call.onSettled();
  };

  const wake = () => {
    const current = waiter;
    if (current === undefined) return;
    if (head < queue.length) {
      waiter = undefined;
      started = true;
      current.resolve({ done: false, value: take() });
    } else if (terminal !== undefined) {
      waiter = undefined;
      finishWith(current);
    }
  };

  const take = (): StreamPart => {
    const part = queue[head] as StreamPart;
    head += 1;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    if (paused && queue.length - head < highWaterParts / 2) {
      paused = false;
      controller?.resume();
    }
    return part;
  };

  const end = (how: Terminal) => {
    if (terminal !== undefined) return;
    terminal = how;
    wake();
  };

  /** What the consumer gets once the parts before the end are out. */
  const finishWith = (target: { resolve(result: IteratorResult<StreamPart>): void; reject(error: unknown): void }) => {
    const how = terminal as Terminal;
    // Reported once: after it, the iterator is done.
    terminal = { kind: "end" };
    settle();
    switch (how.kind) {
      case "end":
        target.resolve({ done: true, value: undefined });
        return;
      case "throw":
        target.reject(how.error);
        return;
      case "lost":
        if (errorCode(how.error) === "UND_ERR_BODY_TIMEOUT") {
          target.reject(withRetryable(mapTransportError(how.error), !started));
          return;
        }
        target.reject(new GatewayError("upstream_error", "upstream closed the stream before it finished", { retryable: !started, cause: how.error }));
        return;
      case "failure": {
        const error = new GatewayError("upstream_error", how.message, { retryable: !started, ...(how.cause === undefined ? {} : { cause: how.cause }) });
        // Before output it is an ordinary failure the router may retry elsewhere; after, the consumer sees it in-band.
        if (!started) target.reject(error);
        else {
          started = true;
          target.resolve({ done: false, value: { type: "error", error } });
        }
        return;
      }
    }
  };

  const push = (part: StreamPart) => {
    queue.push(part);
    if (!paused && queue.length - head >= highWaterParts) {
      paused = true;
      controller?.pause();
    }
  };

  function onAbort() {
    // The consumer hears of it at once, buffered parts or not; the upstream learns from the closed connection.
    const error = abortErrorFrom(signal);
    queue.length = 0;
    head = 0;
    terminal = { kind: "throw", error };
    if (!responseOver) controller?.abort(error);
    wake();
  }

  /** The stream's end as the parser saw it: usage last, or why it cannot count as finished. */
  const endStream = () => {
    const chunks = state as ChunkState;
    flushPending();
    if (chunks.failure) return end({ kind: "failure", message: chunks.failure.message, cause: chunks.failure.cause });
    if (!chunks.finished) return end({ kind: "failure", message: "upstream ended the stream without a finish reason", cause: undefined });
    if (chunks.usage) push({ type: "usage", usage: chunks.usage });
    end({ kind: "end" });
  };

  const flushPending = () => {
    if (pending.length === 0) return;
    if (call.coalesce) coalesceText(pending);
    for (const part of pending) push(part);
    pending.length = 0;
  };

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(dispatchController) {
      controller = dispatchController;
      if (signal.aborted) dispatchController.abort(abortErrorFrom(signal));
    },
    onResponseStart(startController, statusCode, headers) {
      // undici keeps the raw header buffers on the controller for the whole response; the parsed ones are enough.
      startController.rawHeaders = null;
      status = statusCode;
      if (statusCode < 200 || statusCode >= 300) {
        // Only an error's headers are read again (Retry-After); a stream does not keep them for its lifetime.
        responseHeaders = headers;
        mode = "error";
        bodyLimit = errorBodyLimit;
      } else if (isJson(headers["content-type"])) {
        mode = "whole";
        bodyLimit = completionBodyLimit;
      } else {
        mode = "stream";
        state = newChunkState();
        const chunks = state;
        parser = createSseParser((data) => translateChunk(data, chunks, pending));
        // A read may split a character; the decoder keeps it whole.
        decoder = new StringDecoder("utf8");
      }
    },
    onResponseData(dataController, chunk) {
      if (terminal !== undefined) return;
      if (mode !== "stream") {
        const room = bodyLimit - byteCount;
        if (chunk.length >= room) {
          // Enough of it: an error page is not worth downloading, and a completion this large is malformed anyway.
          bytes.push(chunk.subarray(0, room));
          byteCount = bodyLimit;
          bodyDone();
          dataController.abort(new Error("upstream body over the limit"));
          return;
        }
        bytes.push(chunk);
        byteCount += chunk.length;
        return;
      }
      const chunks = state as ChunkState;
      if (chunks.failure || chunks.done) return;
      try {
        (parser as SseParser).feed((decoder as StringDecoder).write(chunk));
      } catch (error) {
        // The SSE parser refusing an endless line: the stream is malformed, not the connection.
        if (!(error instanceof RangeError)) throw error;
        chunks.failure ??= { message: error.message, cause: error };
      }
      flushPending();
      if (chunks.failure) {
        // Nothing past a broken chunk is worth reading, and the socket cannot be reused mid-body.
        endStream();
        dataController.abort(new Error("malformed upstream stream"));
        return;
      }
      if (chunks.done) {
        // The rest of the body (usually nothing) is still read to its end, so the connection can be reused.
        endStream();
        return;
      }
      wake();
    },
    onResponseEnd() {
      responseOver = true;
      if (terminal !== undefined) return;
      if (mode !== "stream") {
        bodyDone();
        return;
      }
      const chunks = state as ChunkState;
      if (!chunks.failure && !chunks.done) {
        try {
          (parser as SseParser).feed((decoder as StringDecoder).end());
          (parser as SseParser).end();
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          chunks.failure ??= { message: error.message, cause: error };
        }
      }
      endStream();
    },
    onResponseError(_controller, error) {
      responseOver = true;
      if (terminal !== undefined) return;
      if (signal.aborted) return end({ kind: "throw", error: abortErrorFrom(signal) });
      if (mode === "pending") return end({ kind: "throw", error: mapTransportError(error) });
      // Part of the body arrived: judge what there is (a cut error page still carries its status; a cut
      // completion does not parse, which is a retryable upstream_error).
      if (mode !== "stream") return bodyDone();
      const chunks = state as ChunkState;
      flushPending();
      // Anything without a transport code is a bug here, not the upstream's doing: let it surface as it is.
      if (errorCode(error) === undefined) return end({ kind: "throw", error });
      if (chunks.failure) return endStream();
      // A connection lost after finish_reason still delivered the whole answer; only usage may be missing.
      if (chunks.finished) return endStream();
      end({ kind: "lost", error });
    },
  };

  /** A non-streamed body is complete (or as complete as it will get): judge it. */
  function bodyDone() {
    if (terminal !== undefined) return;
    const text = Buffer.concat(bytes, byteCount).toString("utf8");
    bytes.length = 0;
    if (mode === "error") {
      const error = mapUpstreamError(status, responseHeaders, call.redact(text));
      call.onUpstreamError?.(status, error);
      return end({ kind: "throw", error });
    }
    let parts: StreamPart[];
    try {
      parts = completionToParts(text);
    } catch (error) {
      return end({ kind: "throw", error });
    }
    for (const part of parts) push(part);
    end({ kind: "end" });
  }

  const begin = () => {
    begun = true;
    if (signal.aborted) {
      terminal = { kind: "throw", error: abortErrorFrom(signal) };
      // Nothing went out, so there is nothing to settle.
      settled = true;
      return;
    }
    call.onBegin();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      call.dispatcher.dispatch({ method: "POST", path: call.path, headers: call.headers, body: call.body }, handler);
    } catch (error) {
      terminal = { kind: "throw", error: mapTransportError(error) };
    }
  };

  const iterator: AsyncIterableIterator<StreamPart> = {
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (!begun) begin();
      if (head < queue.length) {
        started = true;
        return Promise.resolve({ done: false, value: take() });
      }
      if (terminal !== undefined) {
        return new Promise((resolve, reject) => finishWith({ resolve, reject }));
      }
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    return() {
      // The consumer left early: stop the upstream unless it already said it was done (then let the body drain).
      const finishedUpstream = state?.done === true && terminal?.kind === "end";
      if (!finishedUpstream && !responseOver) controller?.abort(consumerLeft);
      queue.length = 0;
      head = 0;
      terminal = { kind: "end" };
      waiter?.resolve({ done: true, value: undefined });
      waiter = undefined;
      if (!begun) settled = true;
      begun = true;
      settle();
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  return iterator;
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

function isJson(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return value !== undefined && value.includes("application/json");
}

function withRetryable(error: GatewayError, retryable: boolean): GatewayError {
  if (error.retryable === retryable) return error;
  return new GatewayError(error.code, error.message, {
    retryable,
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    cause: error.cause,
  });
}
