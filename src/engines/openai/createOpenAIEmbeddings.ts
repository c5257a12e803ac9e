import type { Dispatcher } from "undici";
import type { AzureEngineConfig, OpenAIEngineConfig } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import type { EmbeddingCapability, EmbeddingRequest, EmbeddingResult } from "../spec.js";
import { abortErrorFrom } from "../../abort.js";
import { decodeEmbedding } from "./decodeEmbedding.js";
import { mapTransportError } from "./mapTransportError.js";
import { mapUpstreamError } from "./mapUpstreamError.js";
import { readBoundedText } from "./readBoundedText.js";

export interface OpenAIEmbeddingsDeps {
  /** The engine's connection pool to the upstream's origin (shared with chat). */
  dispatcher: Dispatcher;
  /** The path for a model: `{baseUrl}/embeddings`, or an Azure deployment's. */
  path(model: string): string;
  /** The headers of the next call (the next API key's, with several). */
  headers(): Record<string, string>;
  logger?: { warn(fields: Record<string, unknown>, message: string): void } | undefined;
  redact(text: string): string;
}

const errorBodyLimit = 64 * 1024;
// 2048 inputs of 3072 float32 dimensions in base64 is about 34 MB; as JSON numbers about four times that.
const answerBodyLimit = 192 * 1024 * 1024;

/**
 * `POST {baseUrl}/embeddings` on an OpenAI-compatible upstream, with the chat path's error mapping: transport
 * failures, 408, 429 and 5xx are retryable; the request's own faults (400/404/413/422) are `invalid_request`;
 * an answer that is not a well-formed list of one vector per input is a retryable `upstream_error`.
 */
export function createOpenAIEmbeddings(config: OpenAIEngineConfig | AzureEngineConfig, deps: OpenAIEmbeddingsDeps): EmbeddingCapability {

  async function embed(request: EmbeddingRequest, signal: AbortSignal, options: { traceparent?: string | undefined } = {}): Promise<EmbeddingResult> {
    if (signal.aborted) throw abortErrorFrom(signal);
    let response: Dispatcher.ResponseData;
    try {
      const headers = deps.headers();
      response = await deps.dispatcher.request({
        method: "POST",
        path: deps.path(request.model),
        headers: options.traceparent ? { ...headers, traceparent: options.traceparent } : headers,
        body: JSON.stringify({
          model: request.model,
          input: request.input,
          encoding_format: config.embeddingEncoding,
          ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
          ...(request.user !== undefined ? { user: request.user } : {}),
        }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw abortErrorFrom(signal);
      throw mapTransportError(error);
    }
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const text = deps.redact(await readBoundedText(response.body, ok ? answerBodyLimit : errorBodyLimit));
    if (signal.aborted) throw abortErrorFrom(signal);
    if (!ok) {
      const error = mapUpstreamError(response.statusCode, response.headers, text);
      deps.logger?.warn({ status: response.statusCode, upstream: error.cause }, "upstream answered an embeddings request with an error");
      throw error;
    }
    return readAnswer(text, request);
  }

  return { embeddingModels: Object.freeze([...config.embeddingModels]), embeddingTokenInput: true, embed };
}

function readAnswer(text: string, request: EmbeddingRequest): EmbeddingResult {
  const malformed = (why: string, cause?: unknown) =>
    new GatewayError("upstream_error", `upstream sent a malformed embeddings answer: ${why}`, { retryable: true, ...(cause === undefined ? {} : { cause }) });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformed("not JSON", error);
  }
  if (typeof parsed !== "object" || parsed === null) throw malformed("not an object");
  const { data, model, usage } = parsed as { data?: unknown; model?: unknown; usage?: unknown };
  if (!Array.isArray(data)) throw malformed("no data list");
  const count = request.input.length;
  if (data.length !== count) throw malformed(`${data.length} embeddings for ${count} inputs`);
  const vectors: Array<number[] | undefined> = new Array<number[] | undefined>(count);
  for (const [position, item] of data.entries()) {
    const { index, embedding } = (typeof item === "object" && item !== null ? item : {}) as { index?: unknown; embedding?: unknown };
    // Servers that leave out `index` answer in input order.
    const at = index === undefined ? position : index;
    if (typeof at !== "number" || !Number.isInteger(at) || at < 0 || at >= count || vectors[at] !== undefined) throw malformed(`bad index ${JSON.stringify(at)}`);
    const vector = decodeEmbedding(embedding);
    if (vector === undefined) throw malformed(`embedding ${at} is neither a list of numbers nor base64 float32`);
    vectors[at] = vector;
  }
  const promptTokens = (usage as { prompt_tokens?: unknown } | undefined)?.prompt_tokens;
  return {
    vectors: vectors as number[][],
    model: typeof model === "string" && model.length > 0 ? model : request.model,
    usage: { inputTokens: typeof promptTokens === "number" && promptTokens >= 0 ? promptTokens : estimateInputTokens(request.input) },
  };
}

/** For upstreams that report no usage: about four UTF-8 bytes a token, as metering estimates elsewhere. */
export function estimateInputTokens(input: EmbeddingRequest["input"]): number {
  let tokens = 0;
  for (const item of input) tokens += typeof item === "string" ? Math.ceil(Buffer.byteLength(item) / 4) : item.length;
  return tokens;
}
