import { Pool } from "undici";
import type { OpenAIEngineConfig } from "../../config/schema.js";
import type { ChatRequest, Engine, EngineStatus, StreamOptions, StreamPart } from "../spec.js";
import { createOpenAIEmbeddings } from "./createOpenAIEmbeddings.js";
import { streamCompletion } from "./streamCompletion.js";
import { toOpenAIRequest } from "./toOpenAIRequest.js";

/** Structurally a subset of pino's logger, so the composition root can pass a child logger straight in. */
export interface OpenAIEngineLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface OpenAIEngineOptions {
  logger?: OpenAIEngineLogger;
  /** Longest wait for response headers (undici's default: 300 s). The policy layer's TTFT timeout is tighter. */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks (undici's default: 300 s). */
  bodyTimeoutMs?: number;
}


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
  const path = endpoint.pathname + endpoint.search;
  const pool = new Pool(endpoint.origin, {
    connections: config.connections,
    pipelining: 1,
    ...(options.headersTimeoutMs !== undefined ? { headersTimeout: options.headersTimeoutMs } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeout: options.bodyTimeoutMs } : {}),
  });
  const headers = upstreamHeaders(config, "text/event-stream");
  const wholeHeaders = upstreamHeaders(config, "application/json");
  // See the config's upstreamStreaming: a collecting consumer may get the answer in one piece.
  const wholeWhenCoalesced = config.upstreamStreaming === "client";
  const logger = options.logger;
  // Some upstreams echo the credential they rejected; it must not travel on in a message, cause or log.
  const redact = (text: string) => withoutKey(text, config.apiKey);
  let inFlight = 0;
  let closing: Promise<void> | undefined;

  function stream(request: ChatRequest, { signal, traceparent, coalesce }: StreamOptions): AsyncIterableIterator<StreamPart> {
    const whole = wholeWhenCoalesced && coalesce === true;
    const callHeaders = whole ? wholeHeaders : headers;
    return streamCompletion({
      dispatcher: pool,
      path,
      headers: traceparent ? { ...callHeaders, traceparent } : callHeaders,
      body: JSON.stringify(toOpenAIRequest(request, !whole)),
      signal,
      coalesce: coalesce === true,
      redact,
      onUpstreamError: (status, error) => logger?.warn({ status, upstream: error.cause }, "upstream answered with an error"),
      onBegin: () => {
        inFlight++;
      },
      onSettled: () => {
        inFlight--;
      },
    });
  }

  const embeddings =
    config.embeddingModels.length === 0
      ? undefined
      : createOpenAIEmbeddings(config, {
          dispatcher: pool,
          path: siblingPath(endpoint, "embeddings"),
          headers,
          logger,
          redact,
        });

  return {
    name: config.name,
    type: "openai",
    models: Object.freeze([...config.models]),
    embeddings,
    stream,
    wholeWhenCoalesced,
    status: (): EngineStatus => ({ usable: true, inFlight, queued: 0 }),
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

function upstreamHeaders(config: OpenAIEngineConfig, accept: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers.accept = accept;
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  return headers;
}

function withoutKey(text: string, apiKey: string | undefined): string {
  return apiKey && text.includes(apiKey) ? text.split(apiKey).join("[redacted]") : text;
}
