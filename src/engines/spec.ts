/**
 * The engine contract (version 1). Adapters translate their wire format into StreamParts; nothing else in the
 * gateway knows a wire format. A non-streaming call is the stream collected (see collectStream).
 */
import type { GatewayError } from "../errors.js";

export type Role = "system" | "user" | "assistant" | "tool";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** An image a user message carries, as base64 bytes; engines that cannot see images refuse the request. */
export interface ImageInput {
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp`. */
  mediaType: string;
  /** The bytes in base64. */
  data: string;
}

export interface ChatMessage {
  role: Role;
  content: string | null;
  /** Images after the text of a user message. */
  images?: ImageInput[];
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export interface ChatRequest {
  /** The model as the engine knows it (without the engine prefix). */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  tools?: ToolDefinition[];
  toolChoice?: unknown;
  /** OpenAI request fields the gateway does not interpret; wire adapters that understand them pass them on. */
  extra?: Record<string, unknown>;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the engine's prompt cache, when it reports them. */
  cachedInputTokens?: number;
  /** Output tokens spent on hidden reasoning, when the engine reports them. */
  reasoningTokens?: number;
}

export type StreamPart =
  | { type: "text-delta"; text: string }
  | { type: "tool-call-delta"; index: number; id?: string; name?: string; argumentsDelta?: string }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason }
  /**
   * An error the upstream reported in-band after output had started. Terminal: consumers stop reading.
   * Failures before or outside the stream are thrown as GatewayError instead.
   */
  | { type: "error"; error: GatewayError };

export interface StreamOptions {
  signal: AbortSignal;
  /** W3C traceparent to propagate to the upstream, when tracing is on. */
  traceparent?: string;
  /**
   * The consumer collects the whole answer (a non-streaming call): text that arrives together may come as one
   * part. Streams sent on to a client keep the upstream's own chunking.
   */
  coalesce?: boolean;
}

export interface EngineStatus {
  usable: boolean;
  /** Why the engine cannot serve, in words a user can act on. */
  reason?: string;
  /** Still downloading or loading its model: the startup probe waits for this to end. */
  loading?: boolean;
  /** Generations running now. */
  inFlight: number;
  /** Generations waiting for a free slot. */
  queued: number;
}

export type EngineType = "openai" | "azure" | "local" | "gemini" | "anthropic" | "bedrock";

/** An embeddings call. Token arrays are taken only by engines that say so (`embeddingTokenInput`). */
export interface EmbeddingRequest {
  /** The embedding model as the engine knows it (without the engine prefix). */
  model: string;
  input: string[] | number[][];
  /** Output dimensions, for models that can shorten their vectors. */
  dimensions?: number;
  /** The end user, passed on to upstreams that take it. */
  user?: string;
}

export interface EmbeddingResult {
  /** One vector per input, in input order. */
  vectors: number[][];
  /** The model that produced them, as the engine reports it. */
  model: string;
  usage: { inputTokens: number };
}

/**
 * The optional embeddings capability. Failures are GatewayErrors with the same codes and `retryable` meaning as
 * a stream's failures before its first part; a fired signal rejects with an AbortError.
 */
export interface EmbeddingCapability {
  /** Embedding model ids, without the engine prefix. */
  readonly embeddingModels: readonly string[];
  /** Whether `input` may be token arrays. */
  readonly embeddingTokenInput: boolean;
  embed(request: EmbeddingRequest, signal: AbortSignal, options?: { traceparent?: string | undefined }): Promise<EmbeddingResult>;
}

export interface Engine {
  readonly name: string;
  readonly type: EngineType;
  /** Model ids served by this engine, without the engine prefix. */
  readonly models: readonly string[];
  stream(request: ChatRequest, options: StreamOptions): AsyncIterable<StreamPart>;
  /**
   * With `coalesce`, the engine asks for the whole answer at once: its first part comes when the answer is done,
   * so a time-to-first-token limit cannot apply to such a call.
   */
  readonly wholeWhenCoalesced?: boolean;
  status(): EngineStatus;
  /** Present when the engine serves embedding models. */
  readonly embeddings?: EmbeddingCapability | undefined;
  /** Releases pools, models and contexts. Called once at shutdown. */
  close(): Promise<void>;
}
