/**
 * What the chat-completion pipeline knows of the request it serves, passed down explicitly: the caller, the
 * request's ids, its one AbortSignal (the client leaving, a shutdown), its logger, and its timing (the start of
 * gateway_overhead_seconds). The HTTP layer builds it once per request; a queued job builds its own.
 */
import type { Principal } from "../auth/principal.js";
import type { Logger } from "../logger.js";
import type { CallTiming } from "../observability/observeEngineCall.js";

export interface CompletionContext extends CallTiming {
  readonly principal: Principal;
  readonly traceId: string;
  readonly requestId: string;
  /** W3C traceparent to continue upstream when tracing has no span of its own. */
  readonly traceparent?: string | undefined;
  /** The request's signal, made on first use: a cache hit calls no engine and never needs one. */
  abortSignal(): AbortSignal;
  readonly log: Logger;
}
