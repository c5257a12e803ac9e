import type { AnthropicEngineConfig } from "../../config/schema.js";
import type { ChatRequest, Engine, StreamOptions, StreamPart } from "../spec.js";
import { createCallCounter } from "../createCallCounter.js";
import { createUpstreamPool, type UpstreamEngineOptions } from "../createUpstreamPool.js";
import { createEngineKeys } from "../keys/createEngineKeys.js";
import { streamMessages } from "./streamMessages.js";
import { toAnthropicRequest } from "./toAnthropicRequest.js";

export type AnthropicEngineOptions = UpstreamEngineOptions;

/**
 * An engine speaking Anthropic's Messages API natively (`POST {baseUrl}/v1/messages`, streamed). Every call
 * streams, a collecting consumer's too, so a time-to-first-token limit always applies.
 *
 * What the router can rely on (it may fall back only before the first part, reading `code` and `retryable`):
 * - Thrown before any part, `retryable: true`: engine_unavailable (unreachable, reset or closed before headers),
 *   engine_timeout (no headers in time, 408), engine_overloaded (429, and 529 "overloaded", with
 *   retryAfterSeconds when sent; an in-band overloaded_error or rate_limit_error event), upstream_error (5xx;
 *   a stream cut, malformed, in-band `error` event or end without message_stop before any output).
 * - Thrown before any part, `retryable: false`: invalid_request (the request is at fault: 400/404/413/422, or it
 *   cannot be put in Anthropic's terms, such as tool call arguments that are not JSON) and upstream_error for a
 *   rejected API key (401/403) or an unexpected status.
 * - After the first part nothing is retryable. A malformed event, an in-band `error` event or an end without
 *   message_stop arrive as a terminal `error` part (upstream_error); a lost connection (upstream_error) or a
 *   silent upstream (engine_timeout) are thrown. A connection lost after message_stop is a complete answer.
 * - A fired signal rejects with an AbortError, never a GatewayError, and closes the upstream connection.
 */
export function createAnthropicEngine(config: AnthropicEngineConfig, options: AnthropicEngineOptions = {}): Engine {
  const endpoint = messagesUrl(config.baseUrl);
  const path = endpoint.pathname + endpoint.search;
  const pool = createUpstreamPool(endpoint.origin, config.connections, options);
  const logger = options.logger;
  const engineKeys = createEngineKeys(config, logger);
  const keyHeaders = (engineKeys.keys.length === 0 ? [undefined] : engineKeys.keys).map((key) => upstreamHeaders(config, key));
  const redact = engineKeys.redact;
  const calls = createCallCounter();
  let closing: Promise<void> | undefined;

  function stream(request: ChatRequest, options: StreamOptions): AsyncIterable<StreamPart> {
    return engineKeys.call((keyIndex) => open(request, options, keyIndex), options.signal);
  }

  function open(request: ChatRequest, { signal, traceparent, coalesce }: StreamOptions, keyIndex: number): AsyncIterableIterator<StreamPart> {
    const headers = keyHeaders[keyIndex] ?? keyHeaders[0] ?? upstreamHeaders(config, undefined);
    return streamMessages({
      dispatcher: pool,
      path,
      headers: traceparent ? { ...headers, traceparent } : headers,
      body: () => JSON.stringify(toAnthropicRequest(request, config.defaultMaxTokens)),
      signal,
      coalesce: coalesce === true,
      redact,
      onUpstreamError: (status, error) => logger?.warn({ status, upstream: error.cause }, "upstream answered with an error"),
      onBegin: calls.onBegin,
      onSettled: calls.onSettled,
    });
  }

  return {
    name: config.name,
    type: "anthropic",
    models: Object.freeze([...config.models]),
    stream,
    status: calls.status,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

/**
 * `{baseUrl}/v1/messages`, keeping a path prefix a proxy in front of Anthropic may need. A baseUrl that already
 * ends in /v1 (as OpenAI-style base URLs do) is taken as meaning the same.
 */
function messagesUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/messages`;
  return url;
}

function upstreamHeaders(config: AnthropicEngineConfig, key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers.accept = "text/event-stream";
  headers["anthropic-version"] = config.anthropicVersion;
  if (key) headers["x-api-key"] = key;
  return headers;
}
