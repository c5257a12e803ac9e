/**
 * The one object a request carries from the HTTP edge down: its ids, its caller, its timing, its logger and (for
 * routes that run engine calls) its AbortSignal. It is passed down explicitly on the request path; the same object
 * is also entered into AsyncLocalStorage, only so that log lines written far from the request (the store,
 * webhooks) carry its ids (the logger's mixin) without having them passed in.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Principal } from "../auth/principal.js";
import type { Logger } from "../logger.js";

export interface RequestContext {
  readonly traceId: string;
  readonly requestId: string;
  /** W3C traceparent for upstream calls, continuing the client's trace. */
  readonly traceparent: string;
  /** The route pattern, e.g. /v1/chat/completions. */
  readonly route?: string | undefined;
  /** The API family, for gateway_overhead_seconds: openai or session. */
  readonly api: string;
  /** performance.now() when the request arrived: the start of gateway_overhead_seconds. */
  readonly startedAt: number;
  /** Set once the first engine call of the request began, so the overhead is observed once. */
  engineStartedAt?: number | undefined;
  /** The caller; authentication replaces the default (auth.mode none: the local admin). */
  principal: Principal;
  userId?: string | undefined;
  sessionId?: string | undefined;
  log: Logger;
  /** Set by routes that call engines: their signal (made on first use), which fires when the client goes away or the server gives up at shutdown. */
  abortSignal?: (() => AbortSignal) | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** Adds what becomes known later in the request (the session). */
export function annotateRequestContext(fields: Pick<RequestContext, "sessionId">): void {
  const context = storage.getStore();
  if (!context) return;
  if (fields.sessionId !== undefined) context.sessionId = fields.sessionId;
}

/** The ids a log line carries (pino mixin): empty outside a request. */
export function requestLogFields(): Record<string, string> {
  const context = storage.getStore();
  return context ? contextLogFields(context) : {};
}

export function contextLogFields(context: RequestContext): Record<string, string> {
  const fields: Record<string, string> = { traceId: context.traceId, requestId: context.requestId };
  if (context.userId !== undefined) fields.userId = context.userId;
  if (context.sessionId !== undefined) fields.sessionId = context.sessionId;
  return fields;
}
