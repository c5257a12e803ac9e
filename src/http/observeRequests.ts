/**
 * Per-request observation: the AsyncLocalStorage context that puts traceId, requestId, userId and sessionId on
 * every log line; one access line per request (route, status, duration, bytes); and
 * http_request_duration_seconds. Fastify's onResponse does not run for hijacked replies (SSE), so the raw
 * response's finish/close ends those; whichever comes first counts, once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Socket } from "node:net";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/createMetrics.js";
import { contextLogFields, runInRequestContext, type RequestContext } from "../observability/requestContext.js";

export interface ObserveRequestsDeps {
  logger: Logger;
  metrics?: Metrics | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The request's log and trace context (userId and sessionId are filled in as they become known). */
    observed: RequestContext;
  }
}

// Probes and scrapes arrive every few seconds from every replica's orchestrator: their access lines are debug.
const quietRoutes = new Set(["/health/live", "/health/ready", "/health/startup", "/metrics"]);

export function observeRequests(app: FastifyInstance, deps: ObserveRequestsDeps): void {
  app.decorateRequest("observed", null as unknown as RequestContext);
  app.addHook("onRequest", (request, reply, done) => {
    const context: RequestContext = {
      traceId: request.traceId,
      requestId: request.id,
      userId: request.userId || undefined,
      route: request.routeOptions.url,
      startedAt: performance.now(),
    };
    request.observed = context;
    // Kept: the response lets go of its socket when it ends.
    const socket = request.raw.httpVersionMajor < 2 ? reply.raw.socket : null;
    const socketBytesAtStart = socket?.bytesWritten ?? 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const durationMs = performance.now() - context.startedAt;
      const route = request.routeOptions.url ?? "unmatched";
      const status = reply.raw.statusCode;
      deps.metrics?.httpRequestDuration.observe({ route, method: request.method, status: String(status) }, durationMs / 1000);
      const line = {
        ...contextLogFields(context),
        route,
        method: request.method,
        url: request.url,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
        bytes: bytesSent(reply, socket, socketBytesAtStart),
        ip: request.ip,
      };
      if (quietRoutes.has(route)) deps.logger.debug(line, "request completed");
      else deps.logger.info(line, "request completed");
    };
    reply.raw.once("finish", end);
    reply.raw.once("close", end);
    runInRequestContext(context, done);
  });
  // Body parsing runs on the socket's callbacks, outside the context entered above: enter it again for the
  // validation, the handler and everything they await.
  app.addHook("preValidation", (request, _reply, done) => {
    const sessionId = sessionIdOf(request);
    if (sessionId !== undefined) request.observed.sessionId = sessionId;
    runInRequestContext(request.observed, done);
  });
}

/** The session a request names: a sessions/:id path, or a chat turn's body. A new session is added later. */
function sessionIdOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  if (request.routeOptions.url?.includes("/sessions/:id") && typeof params?.id === "string") return params.id;
  const body = request.body as Record<string, unknown> | undefined;
  return body && typeof body === "object" && typeof body.sessionId === "string" ? body.sessionId : undefined;
}

/** Response bytes: the declared length, else what the HTTP/1 socket wrote since the request began (SSE). */
function bytesSent(reply: FastifyReply, socket: Socket | null, socketBytesAtStart: number): number | undefined {
  const declared = reply.raw.getHeader("content-length");
  if (declared !== undefined) return Number(declared);
  return socket ? socket.bytesWritten - socketBytesAtStart : undefined;
}
