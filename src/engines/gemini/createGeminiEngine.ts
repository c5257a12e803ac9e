import type { GeminiEngineConfig } from "../../config/schema.js";
import type { ChatRequest, Engine, StreamOptions, StreamPart } from "../spec.js";
import { createCallCounter } from "../createCallCounter.js";
import { createUpstreamPool, type UpstreamEngineOptions } from "../createUpstreamPool.js";
import { createEngineKeys } from "../keys/createEngineKeys.js";
import { streamGenerateContent } from "./streamGenerateContent.js";
import { toGeminiRequest } from "./toGeminiRequest.js";

export type GeminiEngineOptions = UpstreamEngineOptions;

/**
 * An engine for Google's Generative Language API (Gemini), spoken natively: every call streams from
 * `{baseUrl}/models/{model}:streamGenerateContent?alt=sse` with the key in `x-goog-api-key`.
 *
 * Failures follow the OpenAI engine's contract (see createOpenAIEngine): before any part, 429/RESOURCE_EXHAUSTED
 * is a retryable engine_overloaded (with the Retry-After or RetryInfo delay), 5xx/UNAVAILABLE a retryable
 * upstream_error, 400/404 an invalid_request with Google's message, 401/403 a final upstream_error; a cut,
 * malformed or unfinished stream is a retryable upstream_error before output, and an `error` part or a thrown
 * upstream_error after it. A fired signal rejects with an AbortError and closes the upstream connection.
 */
export function createGeminiEngine(config: GeminiEngineConfig, options: GeminiEngineOptions = {}): Engine {
  const base = new URL(config.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const pool = createUpstreamPool(base.origin, config.connections, options);
  const logger = options.logger;
  // Google's errors may quote the request; the keys must not travel on in a message, cause or log.
  const engineKeys = createEngineKeys(config, logger);
  const keyHeaders = (engineKeys.keys.length === 0 ? [undefined] : engineKeys.keys).map((key) => upstreamHeaders(config, key));
  const redact = engineKeys.redact;
  const calls = createCallCounter();
  let closing: Promise<void> | undefined;

  function stream(request: ChatRequest, { signal, traceparent }: StreamOptions): AsyncIterable<StreamPart> {
    // Translated at once: a request Gemini cannot express fails before anything goes out.
    const body = JSON.stringify(toGeminiRequest(request));
    const path = `${prefix}/models/${encodeURIComponent(request.model)}:streamGenerateContent?alt=sse`;
    return engineKeys.call((keyIndex) => open(path, body, signal, traceparent, keyIndex), signal);
  }

  function open(path: string, body: string, signal: AbortSignal, traceparent: string | undefined, keyIndex: number): AsyncIterableIterator<StreamPart> {
    const headers = keyHeaders[keyIndex] ?? keyHeaders[0] ?? upstreamHeaders(config, undefined);
    return streamGenerateContent({
      dispatcher: pool,
      path,
      headers: traceparent ? { ...headers, traceparent } : headers,
      body,
      signal,
      redact,
      onUpstreamError: (status, error) => logger?.warn({ status, upstream: error.cause }, "upstream answered with an error"),
      onBegin: calls.onBegin,
      onSettled: calls.onSettled,
    });
  }

  return {
    name: config.name,
    type: "gemini",
    models: Object.freeze([...config.models]),
    stream,
    status: calls.status,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

function upstreamHeaders(config: GeminiEngineConfig, key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers.accept = "text/event-stream";
  if (key) headers["x-goog-api-key"] = key;
  return headers;
}
