import type { AzureEngineConfig, OpenAIEngineConfig } from "../../config/schema.js";
import type { ChatRequest, Engine, EngineType, StreamOptions, StreamPart } from "../spec.js";
import { createCallCounter } from "../createCallCounter.js";
import { createUpstreamPool, type UpstreamEngineOptions } from "../createUpstreamPool.js";
import { createEngineKeys } from "../keys/createEngineKeys.js";
import { createOpenAIEmbeddings } from "./createOpenAIEmbeddings.js";
import { streamCompletion } from "./streamCompletion.js";
import { toOpenAIRequest } from "./toOpenAIRequest.js";

/** The configuration the OpenAI wire reads, whichever engine type carries it. */
export type OpenAIWireConfig = OpenAIEngineConfig | AzureEngineConfig;

export type OpenAIEngineOptions = UpstreamEngineOptions;


/**
 * An engine for any OpenAI-compatible upstream (OpenAI, vLLM, llama.cpp server, Ollama).
 *
 * What the router can rely on (it may fall back only before the first part, reading `code` and `retryable`):
 * - Thrown before any part, `retryable: true`: engine_unavailable (unreachable, reset or closed before headers),
 *   engine_timeout (no headers in time, 408), engine_overloaded (429, with retryAfterSeconds when sent),
 *   upstream_error (5xx; a stream cut, malformed, in-band error or missing finish_reason before any output;
 *   a JSON answer that is not a finished completion).
 * - Thrown before any part, `retryable: false`: invalid_request (the request is at fault: 400/404/413/422) and
 *   upstream_error for rejected credentials (401/403) or an unexpected status.
 * - After the first part nothing is retryable. A malformed chunk, an in-band error or an end without
 *   finish_reason arrive as a terminal `error` part (upstream_error); a lost connection (upstream_error) or a
 *   silent upstream (engine_timeout) are thrown. A connection lost after finish_reason is a complete answer.
 * - A fired signal rejects with an AbortError, never a GatewayError.
 */
export function createOpenAIEngine(config: OpenAIEngineConfig, options: OpenAIEngineOptions = {}): Engine {
  const endpoint = chatCompletionsUrl(config.baseUrl);
  const chatPath = endpoint.pathname + endpoint.search;
  const embeddingsPath = siblingPath(endpoint, "embeddings");
  const wire: OpenAIWire = {
    type: "openai",
    origin: endpoint.origin,
    chatPath: () => chatPath,
    embeddingsPath: () => embeddingsPath,
    credential: (key) => ["authorization", `Bearer ${key}`],
  };
  return createOpenAIWireEngine(wire, config, options);
}

/**
 * Where and how an OpenAI-wire engine sends its calls: OpenAI-compatible servers take every model on one path
 * with a bearer token; Azure takes one deployment path per model and an `api-key` header.
 */
export interface OpenAIWire {
  type: EngineType;
  origin: string;
  chatPath(model: string): string;
  embeddingsPath(model: string): string;
  /** The header that carries a key. */
  credential(key: string): [name: string, value: string];
}

export function createOpenAIWireEngine(wire: OpenAIWire, config: OpenAIWireConfig, options: OpenAIEngineOptions = {}): Engine {
  const pool = createUpstreamPool(wire.origin, config.connections, options);
  const logger = options.logger;
  const engineKeys = createEngineKeys(config, logger);
  const keys = engineKeys.keys;
  // Per key, the headers of a streamed and of a whole call, built once (one set without a key when there is none).
  const headersOfKey = (key: string | undefined) => ({
    stream: upstreamHeaders(config, wire, key, "text/event-stream"),
    whole: upstreamHeaders(config, wire, key, "application/json"),
  });
  const firstHeaders = headersOfKey(keys[0]);
  const keyHeaders = [firstHeaders, ...keys.slice(1).map(headersOfKey)];
  const headersFor = (keyIndex: number) => keyHeaders[keyIndex] ?? firstHeaders;
  // See the config's upstreamStreaming: a collecting consumer may get the answer in one piece.
  const wholeWhenCoalesced = config.upstreamStreaming === "client";
  const redact = engineKeys.redact;
  const calls = createCallCounter();
  let closing: Promise<void> | undefined;

  function open(request: ChatRequest, { signal, traceparent, coalesce }: StreamOptions, keyIndex: number): AsyncIterableIterator<StreamPart> {
    const whole = wholeWhenCoalesced && coalesce === true;
    const { stream: streamHeaders, whole: wholeHeaders } = headersFor(keyIndex);
    const callHeaders = whole ? wholeHeaders : streamHeaders;
    return streamCompletion({
      dispatcher: pool,
      path: wire.chatPath(request.model),
      headers: traceparent ? { ...callHeaders, traceparent } : callHeaders,
      body: JSON.stringify(toOpenAIRequest(request, !whole)),
      signal,
      coalesce: coalesce === true,
      redact,
      onUpstreamError: (status, error) => logger?.warn({ status, upstream: error.cause }, "upstream answered with an error"),
      onBegin: calls.onBegin,
      onSettled: calls.onSettled,
    });
  }

  function stream(request: ChatRequest, streamOptions: StreamOptions): AsyncIterableIterator<StreamPart> {
    return engineKeys.call((keyIndex) => open(request, streamOptions, keyIndex), streamOptions.signal);
  }

  const embeddings =
    config.embeddingModels.length === 0
      ? undefined
      : createOpenAIEmbeddings(config, {
          dispatcher: pool,
          path: (model) => wire.embeddingsPath(model),
          headers: () => headersFor(engineKeys.next()).whole,
          logger,
          redact,
        });

  return {
    name: config.name,
    type: wire.type,
    models: Object.freeze([...config.models]),
    embeddings,
    stream,
    wholeWhenCoalesced,
    status: calls.status,
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

function chatCompletionsUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/chat/completions`;
  return url;
}

/** `{baseUrl}/<name>`: the chat endpoint's path with its last segment pair replaced. */
function siblingPath(chat: URL, name: string): string {
  const url = new URL(chat);
  url.pathname = url.pathname.replace(/\/chat\/completions$/, `/${name}`);
  return url.pathname + url.search;
}

function upstreamHeaders(config: OpenAIWireConfig, wire: OpenAIWire, key: string | undefined, accept: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers.accept = accept;
  if (key) {
    const [name, value] = wire.credential(key);
    headers[name] = value;
  }
  return headers;
}
