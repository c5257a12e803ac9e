/**
 * What every log line and span inside a request should know about it, carried by AsyncLocalStorage so code far
 * from the HTTP layer (engines, the store, webhooks) logs with the request's ids without having them passed in.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  readonly traceId: string;
  readonly requestId: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  /** The route pattern, e.g. /v1/chat/completions. */
  readonly route?: string | undefined;
  /** performance.now() when the request arrived: the start of gateway_overhead_seconds. */
  readonly startedAt: number;
  /** Set once the first engine call of the request began, so the overhead is observed once. */
  engineStartedAt?: number | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds what becomes known later in the request (the authenticated user, the session). */
export function annotateRequestContext(fields: Pick<RequestContext, "userId" | "sessionId">): void {
  const context = storage.getStore();
  if (!context) return;
  if (fields.userId !== undefined) context.userId = fields.userId;
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
