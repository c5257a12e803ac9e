/**
 * Per-request identity the routes rely on: trace id, propagated traceparent, and the caller. Authentication (a
 * later hook) replaces the principal; with auth.mode none every caller is the local admin.
 */
import type { FastifyInstance } from "fastify";
import { randomHex } from "../observability/randomHex.js";
import { traceIdFrom } from "./traceId.js";
import { localPrincipal, type Principal } from "../auth/principal.js";

declare module "fastify" {
  interface FastifyRequest {
    traceId: string;
    /** W3C traceparent for upstream calls, continuing the client's trace. */
    traceparent: string;
    /** The caller's user id (the principal's), used for ownership. */
    userId: string;
    principal: Principal;
  }
}

export function requestIdentity(app: FastifyInstance): void {
  app.decorateRequest("traceId", "");
  app.decorateRequest("traceparent", "");
  app.decorateRequest("userId", "");
  app.decorateRequest("principal", null as unknown as Principal);
  app.addHook("onRequest", (request, reply, done) => {
    request.traceId = traceIdFrom(request.headers);
    const traceId = /^[0-9a-f]{32}$/.test(request.traceId) ? request.traceId : randomHex(16);
    request.traceparent = `00-${traceId}-${randomHex(8)}-01`;
    request.principal = localPrincipal;
    request.userId = localPrincipal.userId;
    reply.header("x-trace-id", request.traceId);
    done();
  });
}
