/**
 * Per-request identity the routes rely on: trace id, propagated traceparent, and the caller's user id.
 * Authentication replaces the fixed user id; until it is configured every caller is the same local user.
 */
import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { traceIdFrom } from "./traceId.js";

declare module "fastify" {
  interface FastifyRequest {
    traceId: string;
    /** W3C traceparent for upstream calls, continuing the client's trace. */
    traceparent: string;
    userId: string;
  }
}

export const localUserId = "local";

export function requestIdentity(app: FastifyInstance): void {
  app.decorateRequest("traceId", "");
  app.decorateRequest("traceparent", "");
  app.decorateRequest("userId", "");
  app.addHook("onRequest", async (request, reply) => {
    request.traceId = traceIdFrom(request.headers);
    const traceId = /^[0-9a-f]{32}$/.test(request.traceId) ? request.traceId : randomBytes(16).toString("hex");
    request.traceparent = `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
    request.userId = localUserId;
    reply.header("x-trace-id", request.traceId);
  });
}
