/**
 * A deadline for non-chat requests (server.timeouts.requestMs): a store query stuck behind a lock must not hold
 * an admin or listing call forever. Past it the client gets 504 request_timeout and the route's signal is
 * aborted; chat routes are left to the engines' time-to-first-token and total timeouts.
 */
import type { FastifyInstance } from "fastify";
import { GatewayError } from "../errors.js";

export function requestDeadline(app: FastifyInstance, requestMs: number): void {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  // Callback hooks rather than async ones: they run on every request, and an async hook costs a promise each.
  app.addHook("onRequest", (request, reply, done) => {
    if (request.routeOptions.config?.routeClass === "chat") return done();
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn({ requestMs }, "request deadline passed");
      reply.send(new GatewayError("request_timeout", `the request took longer than ${requestMs} ms`));
    }, requestMs);
    timer.unref();
    timers.set(request, timer);
    done();
  });
  app.addHook("onResponse", (request, _reply, done) => {
    clearTimeout(timers.get(request));
    done();
  });
}
