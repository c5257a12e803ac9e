/**
 * Each route's own request hooks, composed once when the route is added, from what its configuration declares:
 * the feature flag that gates it, the request deadline (not for chat), authentication and authorization for its
 * policy, and the rate limit of its class; then, after validation, the request's log context and (chat routes)
 * the API key's model restrictions. Global hooks that branched on route config on every request are gone: a
 * route pays for what it declared, in one callback whose steps run without a promise when none has to wait.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler, RouteOptions } from "fastify";
import type { FeaturesConfig } from "../config/operationsSchema.js";
import type { RateLimits } from "../limits/createRateLimits.js";
import { runInRequestContext } from "../observability/requestContext.js";
import type { Authentication, RequestStep } from "./authentication.js";
import { featureGateStep } from "./featureGates.js";
import { isPromise } from "../maybePromise.js";
import type { RequestDeadline } from "./requestDeadline.js";
import { sessionIdOf } from "./requestStart.js";
import { rateLimitStep } from "./security/rateLimitStep.js";

export interface RouteGuardDeps {
  features: () => Readonly<FeaturesConfig>;
  deadline: RequestDeadline;
  authentication: Authentication;
  rateLimits: RateLimits;
}

export function routeGuards(app: FastifyInstance, deps: RouteGuardDeps): void {
  app.addHook("onRoute", (route) => {
    const config = route.config;
    const policy = config?.policy ?? "public";
    const routeClass = config?.routeClass ?? (policy === "admin" ? "admin" : "other");
    const steps: RequestStep[] = [];
    const gate = featureGateStep(route.url, deps.features);
    if (gate) steps.push(gate);
    if (routeClass !== "chat") {
      steps.push((request, reply) => deps.deadline.start(request, reply));
      append(route, "onResponse", (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
        deps.deadline.stop(request);
        done();
      });
    }
    const auth = deps.authentication.stepFor(policy);
    if (auth) steps.push(auth);
    if (policy !== "public") steps.push(rateLimitStep(deps.rateLimits, routeClass));
    if (steps.length > 0) prepend(route, "onRequest", runSteps(steps));

    // Body parsing runs on the socket's callbacks, outside the context requestStart entered: enter it again for
    // the validation, the handler and everything they await, with the session the request names.
    const namesSession = route.url.includes("/sessions/:id") || route.url.startsWith("/api/v2/chat/");
    prepend(route, "preValidation", (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (namesSession) {
        const sessionId = sessionIdOf(request);
        if (sessionId !== undefined) request.observed.sessionId = sessionId;
      }
      runInRequestContext(request.observed, done);
    });
    // After validation, so the body is known to have its shape; before any handler (and budget reservation).
    if (routeClass === "chat") prepend(route, "preHandler", runSteps([deps.authentication.allowedModels(config?.modelKind, route.url.startsWith("/v1/"))]));
  });
}

type HookName = "onRequest" | "preValidation" | "preHandler" | "onResponse";

/** Before the route's own hooks of that name (they may rely on the principal, say). */
function prepend(route: RouteOptions, name: HookName, hook: unknown): void {
  const existing = route[name] as unknown;
  const list: unknown[] = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  (route as unknown as Record<HookName, unknown>)[name] = [hook, ...list];
}

function append(route: RouteOptions, name: HookName, hook: unknown): void {
  const existing = route[name] as unknown;
  const list: unknown[] = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  (route as unknown as Record<HookName, unknown>)[name] = [...list, hook];
}

/** The steps as one callback hook: each runs after the one before, synchronously until one has to wait. */
function runSteps(steps: readonly RequestStep[]): onRequestHookHandler {
  return function guard(request, reply, done) {
    const from = (index: number): void => {
      for (let i = index; i < steps.length; i++) {
        let pending: void | Promise<void>;
        try {
          pending = (steps[i] as RequestStep)(request, reply);
        } catch (error) {
          done(error as Error);
          return;
        }
        if (isPromise(pending)) {
          pending.then(
            () => from(i + 1),
            (error: unknown) => done(error as Error),
          );
          return;
        }
      }
      done();
    };
    from(0);
  };
}
