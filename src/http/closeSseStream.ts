/**
 * How every API's SSE stream ends (the sinks of /v1/chat/completions, /v1/messages and /v1/responses): a completed
 * stream sends its API's closing frames; a stream that failed after it opened sends its API's error frame (an
 * unexpected failure as internal_error, logged with its stack; a failure the gateway explained, one line); a
 * client that left, or an abort, gets nothing more. The response ends in every case.
 */
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SseStream } from "./sseStream.js";

export interface SseStreamEnding {
  end: { completed: boolean; failure: unknown };
  log: Logger;
  /** What the log lines call the stream ("chat completion", "messages", …). */
  name: string;
  /** Sends the frames a completed stream ends with. */
  completed(): boolean | Promise<boolean>;
  /** Sends the frame a failed stream ends with. */
  failed(failure: GatewayError): boolean | Promise<boolean>;
}

export async function closeSseStream(stream: SseStream, ending: SseStreamEnding): Promise<void> {
  try {
    if (ending.end.completed) {
      await ending.completed();
      return;
    }
    const error = ending.end.failure;
    if (error === undefined || stream.closed() || isAbortError(error)) return;
    const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
    if (!isGatewayError(error)) ending.log.error({ err: error }, `${ending.name} stream failed`);
    else ending.log.warn({ code: failure.code, reason: failure.message }, `${ending.name} stream ended with an error`);
    await ending.failed(failure);
  } finally {
    stream.end();
  }
}

/** Several events in order; the last one's answer says whether the stream can take more at once. */
export function sendEvents(stream: SseStream, events: ReadonlyArray<{ event: string; data: string }>): boolean | Promise<boolean> {
  let result: boolean | Promise<boolean> = true;
  for (const item of events) result = stream.send(item.data, item.event);
  return result;
}
