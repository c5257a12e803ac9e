import { StringDecoder } from "node:string_decoder";
import { Pool, type Dispatcher } from "undici";
import type { OpenAIEngineConfig } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import type { ChatRequest, Engine, EngineStatus, StreamOptions, StreamPart } from "../spec.js";
import { abortError } from "./abortError.js";
import { completionToParts } from "./completionToParts.js";
import { createSseParser } from "./createSseParser.js";
import { createOpenAIEmbeddings } from "./createOpenAIEmbeddings.js";
import { errorCode, mapTransportError } from "./mapTransportError.js";
import { mapUpstreamError } from "./mapUpstreamError.js";
import { readBoundedText } from "./readBoundedText.js";
import { toOpenAIRequest } from "./toOpenAIRequest.js";
import { newChunkState, translateChunk } from "./translateChunk.js";

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

const errorBodyLimit = 64 * 1024;
const completionBodyLimit = 16 * 1024 * 1024;

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
  let inFlight = 0;
  let closing: Promise<void> | undefined;

  async function* stream(request: ChatRequest, { signal, traceparent, coalesce }: StreamOptions): AsyncGenerator<StreamPart> {
    if (signal.aborted) throw abortError(signal);
    inFlight++;
    let body: Dispatcher.ResponseData["body"] | undefined;
    // Set once the upstream said it was done: the rest of the body is drained so the socket can be reused.
    let complete = false;
    const whole = wholeWhenCoalesced && coalesce === true;
    const callHeaders = whole ? wholeHeaders : headers;
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await pool.request({
          method: "POST",
          path,
          headers: traceparent ? { ...callHeaders, traceparent } : callHeaders,
          body: JSON.stringify(toOpenAIRequest(request, !whole)),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw abortError(signal);
        throw mapTransportError(error);
      }
      body = response.body;

      if (response.statusCode < 200 || response.statusCode >= 300) {
        // Some upstreams echo the credential they rejected; it must not travel on in a message, cause or log.
        const text = withoutKey(await readBoundedText(body, errorBodyLimit), config.apiKey);
        if (signal.aborted) throw abortError(signal);
        const error = mapUpstreamError(response.statusCode, response.headers, text);
        logger?.warn({ status: response.statusCode, upstream: error.cause }, "upstream answered with an error");
        throw error;
      }

      if (isJson(response.headers["content-type"])) {
        const parts = completionToParts(await readBoundedText(body, completionBodyLimit));
        for (const part of parts) {
          if (signal.aborted) throw abortError(signal);
          yield part;
        }
        return;
      }

      const state = newChunkState();
      const pending: StreamPart[] = [];
      const parser = createSseParser((data) => translateChunk(data, state, pending));
      // undici's body ignores setEncoding; a StringDecoder keeps characters split across chunks whole.
      const decoder = new StringDecoder("utf8");
      // Whether the consumer holds a part: from then on a failure is reported, never retried.
      let started = false;
      // A transport failure while reading, held until the parts that arrived before it are out.
      let lost: unknown;
      try {
        for await (const bytes of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          parser.feed(decoder.write(bytes));
          if (coalesce) coalesceText(pending);
          for (let i = 0; i < pending.length; i++) {
            if (signal.aborted) throw abortError(signal);
            started = true;
            yield pending[i] as StreamPart;
          }
          pending.length = 0;
          if (state.failure || state.done) break;
        }
        if (!state.failure && !state.done) {
          parser.feed(decoder.end());
          parser.end();
        }
      } catch (error) {
        if (signal.aborted) throw abortError(signal);
        if (error instanceof RangeError) {
          // The SSE parser refusing an endless line: the stream is malformed, not the connection.
          state.failure ??= { message: error.message, cause: error };
        } else {
          // Anything without a transport code is a bug here, not the upstream's doing: let it surface as it is.
          if (errorCode(error) === undefined) throw error;
          lost = error;
        }
      }
      for (const part of pending) {
        if (signal.aborted) throw abortError(signal);
        started = true;
        yield part;
      }
      pending.length = 0;

      if (lost !== undefined && !state.failure) {
        if (errorCode(lost) === "UND_ERR_BODY_TIMEOUT") throw withRetryable(mapTransportError(lost), !started);
        // A connection lost after finish_reason still delivered the whole answer; only usage may be missing.
        if (!state.finished) throw streamCutShort(lost, started);
      } else if (!state.failure && !state.finished) {
        state.failure = { message: "upstream ended the stream without a finish reason" };
      }
      if (state.failure) {
        const { message, cause } = state.failure;
        const error = new GatewayError("upstream_error", message, { retryable: !started, ...(cause === undefined ? {} : { cause }) });
        // Before output it is an ordinary failure the router may retry elsewhere; after, the consumer must see it in-band.
        if (!started) throw error;
        yield { type: "error", error };
        return;
      }
      complete = state.done;
      if (state.usage) {
        if (signal.aborted) throw abortError(signal);
        yield { type: "usage", usage: state.usage };
      }
    } finally {
      inFlight--;
      if (body && !body.readableEnded) {
        // Destroying closes the connection, which is also how the upstream learns to stop generating.
        if (complete) {
          body.dump().catch(() => {});
        } else {
          // undici reports its own destroy as an 'error' event; nobody is listening any more.
          body.on("error", () => {});
          body.destroy();
        }
      }
    }
  }

  const embeddings =
    config.embeddingModels.length === 0
      ? undefined
      : createOpenAIEmbeddings(config, {
          dispatcher: pool,
          path: siblingPath(endpoint, "embeddings"),
          headers,
          logger,
          redact: (text) => withoutKey(text, config.apiKey),
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

function isJson(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return value !== undefined && value.includes("application/json");
}

function withoutKey(text: string, apiKey: string | undefined): string {
  return apiKey && text.includes(apiKey) ? text.split(apiKey).join("[redacted]") : text;
}

function streamCutShort(cause: unknown, started: boolean): GatewayError {
  return new GatewayError("upstream_error", "upstream closed the stream before it finished", { retryable: !started, cause });
}

function withRetryable(error: GatewayError, retryable: boolean): GatewayError {
  if (error.retryable === retryable) return error;
  return new GatewayError(error.code, error.message, {
    retryable,
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    cause: error.cause,
  });
}
