/**
 * A deadline for non-chat requests (server.timeouts.requestMs): a store query stuck behind a lock must not hold
 * an admin or listing call forever. Past it the client gets 504 request_timeout; chat routes are left to the
 * engines' time-to-first-token and total timeouts, so they get no deadline at all.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { GatewayError } from "../errors.js";

export interface RequestDeadline {
  /** onRequest: starts the timer. */
  start(request: FastifyRequest, reply: FastifyReply): void;
  /** onResponse: stops it. */
  stop(request: FastifyRequest): void;
}

export function requestDeadline(requestMs: number): RequestDeadline {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  return {
    start(request, reply) {
      const timer = setTimeout(() => {
        if (reply.sent || reply.raw.headersSent) return;
        request.log.warn({ requestMs }, "request deadline passed");
        reply.send(new GatewayError("request_timeout", `the request took longer than ${requestMs} ms`));
      }, requestMs);
      timer.unref();
      timers.set(request, timer);
    },
    stop(request) {
      clearTimeout(timers.get(request));
    },
  };
}
