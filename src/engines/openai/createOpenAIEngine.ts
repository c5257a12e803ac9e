import { StringDecoder } from "node:string_decoder";
import { Pool, type Dispatcher } from "undici";
import type { OpenAIEngineConfig } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import type { ChatRequest, Engine, EngineStatus, StreamOptions, StreamPart } from "../spec.js";
import { abortError } from "./abortError.js";
import { completionToParts } from "./completionToParts.js";
import { createSseParser } from "./createSseParser.js";
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

/** An engine for any OpenAI-compatible upstream (OpenAI, vLLM, llama.cpp server, Ollama). */
export function createOpenAIEngine(config: OpenAIEngineConfig, options: OpenAIEngineOptions = {}): Engine {
  const endpoint = chatCompletionsUrl(config.baseUrl);
  const path = endpoint.pathname + endpoint.search;
  const pool = new Pool(endpoint.origin, {
    connections: config.connections,
    pipelining: 1,
    ...(options.headersTimeoutMs !== undefined ? { headersTimeout: options.headersTimeoutMs } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeout: options.bodyTimeoutMs } : {}),
  });
  const headers = upstreamHeaders(config);
  const logger = options.logger;
  let inFlight = 0;
  let closing: Promise<void> | undefined;

  async function* stream(request: ChatRequest, { signal, traceparent }: StreamOptions): AsyncGenerator<StreamPart> {
    if (signal.aborted) throw abortError(signal);
    inFlight++;
    let body: Dispatcher.ResponseData["body"] | undefined;
    // Set once the upstream said it was done: the rest of the body is drained so the socket can be reused.
    let complete = false;
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await pool.request({
          method: "POST",
          path,
          headers: traceparent ? { ...headers, traceparent } : headers,
          body: JSON.stringify(toOpenAIRequest(request)),
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
        if (!parts) throw new GatewayError("upstream_error", "upstream answered with neither an event stream nor a completion");
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
      try {
        for await (const bytes of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          parser.feed(decoder.write(bytes));
          for (let i = 0; i < pending.length; i++) {
            if (signal.aborted) throw abortError(signal);
            yield pending[i] as StreamPart;
          }
          pending.length = 0;
          if (state.failed) return;
          if (state.done) break;
        }
        if (!state.done) parser.end();
      } catch (error) {
        if (signal.aborted) throw abortError(signal);
        if (error instanceof RangeError) throw new GatewayError("upstream_error", error.message, { cause: error });
        const code = errorCode(error);
        if (code === "UND_ERR_BODY_TIMEOUT") throw mapTransportError(error);
        // Anything without a transport code is a bug here, not the upstream's doing: let it surface as it is.
        if (code === undefined) throw error;
        // A connection lost after finish_reason still delivered the whole answer; only usage may be missing.
        if (!state.finished) throw streamCutShort(error);
      }
      for (const part of pending) {
        if (signal.aborted) throw abortError(signal);
        yield part;
      }
      if (state.failed) return;
      if (!state.done && !state.finished) throw streamCutShort(undefined);
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

  return {
    name: config.name,
    type: "openai",
    models: Object.freeze([...config.models]),
    stream,
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

function upstreamHeaders(config: OpenAIEngineConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers["content-type"] = "application/json";
  headers.accept = "text/event-stream";
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

function streamCutShort(cause: unknown): GatewayError {
  return new GatewayError("upstream_error", "upstream closed the stream before it finished", { retryable: false, cause });
}
