/**
 * The first hook of every request, one callback instead of several: the request's ids (trace id, traceparent),
 * the one RequestContext it carries down, the security headers, the access line and http_request_duration_seconds
 * at its end, and the AsyncLocalStorage entry the logger's mixin reads. Fastify's onResponse does not run for
 * hijacked replies (SSE), so the raw response's finish/close ends those; whichever comes first counts, once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Socket } from "node:net";
import type { Principal } from "../auth/principal.js";
import type { Logger } from "../logger.js";
import { bindLabels } from "../observability/bindLabels.js";
import type { Metrics } from "../observability/createMetrics.js";
import { randomHex } from "../observability/randomHex.js";
import { createAccessLog } from "../observability/createAccessLog.js";
import { apiOf } from "../observability/observeEngineCall.js";
import { runInRequestContext, type RequestContext } from "../observability/requestContext.js";
import { securityHeadersFor, HSTS_VALUE } from "./security/securityHeaders.js";
import { newTraceId, traceIdFrom } from "./traceId.js";

declare module "fastify" {
  interface FastifyRequest {
    traceId: string;
    /** W3C traceparent for upstream calls, continuing the client's trace. */
    traceparent: string;
    /** The caller's user id (the principal's), used for ownership. */
    userId: string;
    principal: Principal;
    /** The request's context (userId and sessionId are filled in as they become known). */
    observed: RequestContext;
  }
}

export interface RequestStartDeps {
  logger: Logger;
  metrics?: Metrics | undefined;
  /** The caller until a route's authentication says otherwise: the local admin with auth.mode none, else nobody. */
  defaultPrincipal: Principal;
}

// Probes and scrapes arrive every few seconds from every replica's orchestrator: their access lines are debug.
const quietRoutes = new Set(["/health/live", "/health/ready", "/health/startup", "/metrics"]);
const traceIdPattern = /^[0-9a-f]{32}$/;

export function requestStart(app: FastifyInstance, deps: RequestStartDeps): void {
  app.decorateRequest("traceId", "");
  app.decorateRequest("traceparent", "");
  app.decorateRequest("userId", "");
  app.decorateRequest("principal", null as unknown as Principal);
  app.decorateRequest("observed", null as unknown as RequestContext);
  const durations = deps.metrics ? bindLabels(deps.metrics.httpRequestDuration) : undefined;
  const { defaultPrincipal } = deps;
  const accessLog = createAccessLog(deps.logger);

  app.addHook("onRequest", (request, reply, done) => {
    const traceId = traceIdFrom(request.headers);
    const traceparent = `00-${traceIdPattern.test(traceId) ? traceId : newTraceId()}-${randomHex(8)}-01`;
    const route = request.routeOptions.url;
    const context: RequestContext = {
      traceId,
      requestId: request.id,
      traceparent,
      route,
      api: apiOf(route),
      startedAt: performance.now(),
      principal: defaultPrincipal,
      userId: defaultPrincipal.userId,
      log: request.log as Logger,
    };
    request.traceId = traceId;
    request.traceparent = traceparent;
    request.principal = defaultPrincipal;
    request.userId = defaultPrincipal.userId;
    request.observed = context;
    const raw = reply.raw;
    // On the reply, not the raw response: Node checks a header once when the head is written and again for every
    // setHeader, and routes that hijack the response (SSE) copy the reply's headers into their own head.
    reply.header("x-trace-id", traceId);
    for (const [name, value] of securityHeadersFor(request.routeOptions.config)) reply.header(name, value);
    if (request.protocol === "https") reply.header("strict-transport-security", HSTS_VALUE);

    // Kept: the response lets go of its socket when it ends.
    const socket = request.raw.httpVersionMajor < 2 ? raw.socket : null;
    const socketBytesAtStart = socket?.bytesWritten ?? 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const durationMs = performance.now() - context.startedAt;
      const pattern = route ?? "unmatched";
      const status = raw.statusCode;
      if (durations) {
        const method = request.method;
        durations(`${pattern} ${method} ${status}`, () => ({ route: pattern, method, status: String(status) })).observe(durationMs / 1000);
      }
      accessLog(
        {
          traceId: context.traceId,
          requestId: context.requestId,
          userId: context.userId,
          sessionId: context.sessionId,
          route: pattern,
          method: request.method,
          url: request.url,
          status,
          durationMs: Math.round(durationMs * 1000) / 1000,
          bytes: bytesSent(reply, socket, socketBytesAtStart),
          ip: request.ip,
        },
        quietRoutes.has(pattern),
      );
    };
    raw.once("finish", end);
    raw.once("close", end);
    runInRequestContext(context, done);
  });
}

/** Response bytes: the declared length, else what the HTTP/1 socket wrote since the request began (SSE). */
function bytesSent(reply: FastifyReply, socket: Socket | null, socketBytesAtStart: number): number | undefined {
  const declared = reply.raw.getHeader("content-length");
  if (declared !== undefined) return Number(declared);
  return socket ? socket.bytesWritten - socketBytesAtStart : undefined;
}

/** The session a request names: a sessions/:id path, or a chat turn's body. A new session is added later. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  if (request.routeOptions.url?.includes("/sessions/:id") && typeof params?.id === "string") return params.id;
  const body = request.body as Record<string, unknown> | undefined;
  return body && typeof body === "object" && typeof body.sessionId === "string" ? body.sessionId : undefined;
}
