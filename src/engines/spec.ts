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

export interface ChatMessage {
  role: Role;
  content: string | null;
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

export type EngineType = "openai" | "local";

export interface Engine {
  readonly name: string;
  readonly type: EngineType;
  /** Model ids served by this engine, without the engine prefix. */
  readonly models: readonly string[];
  stream(request: ChatRequest, options: StreamOptions): AsyncIterable<StreamPart>;
  status(): EngineStatus;
  /** Releases pools, models and contexts. Called once at shutdown. */
  close(): Promise<void>;
}
