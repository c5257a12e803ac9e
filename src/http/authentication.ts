/**
 * Authentication and authorization at the HTTP edge, as per-route steps (routeGuards.ts composes them): every
 * request gets a principal; each route's declared policy decides who may call it; admin routes may further be
 * limited to client addresses in `auth.adminAllowlist`; API keys restricted to some models are held to them on
 * chat routes. A recently seen credential is answered without a promise.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config/schema.js";
import type { Router } from "../routing/createRouter.js";
import type { ApiKeyStore } from "../store/apiKeys.js";
import { GatewayError, isGatewayError } from "../errors.js";
import { anonymousPrincipal, type Principal, type RoutePolicy } from "../auth/principal.js";
import { createAuthenticator, type Authenticator, type AuthenticatorOptions } from "../auth/createAuthenticator.js";
import { isAuthFailure, type AuthFailure } from "../auth/authFailure.js";
import { createAddressMatcher, type AddressMatcher } from "../auth/createAddressMatcher.js";
import { isModelAllowed, namesForEmbeddingModel, namesForModel, namesForSessionTurn } from "../auth/requestedModelNames.js";
import { isPromise, type MaybePromise } from "../maybePromise.js";
import type { ConsoleSession, ConsoleSessions } from "../console/createConsoleSessions.js";
import { CSRF_HEADER, needsCsrfToken, sessionTokenOf } from "../console/sessionCookie.js";
import { safeEqual } from "../auth/safeEqual.js";

export interface RoutePolicyEntry {
  method: string;
  url: string;
  policy: RoutePolicy;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with the policy it declared, in registration order: what the authorization matrix test walks. */
    routePolicies: readonly RoutePolicyEntry[];
  }
  interface FastifyRequest {
    /** The web console's session, when the request was authenticated by its cookie. */
    consoleSession: ConsoleSession | null;
  }
}

export interface AuthenticationDeps {
  config: Readonly<Config>;
  apiKeys: ApiKeyStore;
  router(): Router;
  options?: AuthenticatorOptions;
  /** The web console's sessions: a request with the console's cookie (and no credential of its own) is its user. */
  sessions?: (authenticator: Authenticator) => ConsoleSessions;
}

/** One step of a route's request hook: nothing to wait for, or a promise of nothing; a refusal throws. */
export type RequestStep = (request: FastifyRequest, reply: FastifyReply) => MaybePromise<void>;

export interface Authentication {
  authenticator: Authenticator;
  /** The onRequest step for a route of this policy; undefined when there is nothing to check. */
  stepFor(policy: RoutePolicy): RequestStep | undefined;
  /** The console's sessions, when the console is served. */
  sessions?: ConsoleSessions;
  /** The preHandler step of a chat-class route: API keys limited to some models are held to them. */
  allowedModels(modelKind: "chat" | "embeddings" | undefined, openAI: boolean): RequestStep;
}

export function authentication(app: FastifyInstance, deps: AuthenticationDeps): Authentication {
  const auth = deps.config.auth;
  const authenticator = createAuthenticator(auth, deps.apiKeys, deps.options);
  const inAllowlist = allowlistOf(auth.adminAllowlist);
  const sessions = deps.sessions?.(authenticator);
  app.decorateRequest("consoleSession", null);

  const routes: RoutePolicyEntry[] = [];
  app.decorate("routePolicies", routes);
  app.addHook("onRoute", (route) => {
    const policy = route.config?.policy;
    // A route without a policy is refused by buildApp's own onRoute check; nothing to record.
    if (policy === undefined) return;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, policy });
  });

  const authorize = (policy: RoutePolicy, request: FastifyRequest): void => {
    if (policy !== "admin") return;
    if (request.principal.role !== "admin") throw new GatewayError("forbidden", "this endpoint needs the admin role");
    if (inAllowlist && !inAllowlist(request.ip)) {
      request.log.warn({ ip: request.ip, userId: request.userId }, "admin request from outside auth.adminAllowlist");
      throw new GatewayError("forbidden", "admin endpoints are not available from this address");
    }
  };

  const stepFor = (policy: RoutePolicy): RequestStep | undefined => {
    if (auth.mode === "none") return policy === "admin" ? (request) => authorize(policy, request) : undefined;
    const settle = (request: FastifyRequest, reply: FastifyReply, result: Principal | AuthFailure): void => {
      if (isAuthFailure(result)) {
        if (policy !== "public") unauthorized(request, reply, result.message, result.reason === "invalid", result.cause);
        setPrincipal(request, anonymousPrincipal);
      } else {
        setPrincipal(request, result);
      }
      authorize(policy, request);
    };
    // A store failure becomes store_unavailable; a public route (health) must answer even when the store cannot
    // vouch for a credential it did not need.
    const failed = (request: FastifyRequest, error: unknown): void => {
      if (policy === "public") return setPrincipal(request, anonymousPrincipal);
      if (isGatewayError(error)) throw error;
      throw new GatewayError("store_unavailable", "the session store is unavailable; try again shortly", { cause: error, retryAfterSeconds: 2 });
    };
    // The cookie is the credential only of a browser on the console; the CSRF token (which only the console's own
    // script can have read) proves a state-changing call came from it. Public routes need no proof.
    const fromSession = (request: FastifyRequest, reply: FastifyReply, open: Promise<ConsoleSession | AuthFailure>): Promise<void> =>
      open.then(
        (result) => {
          if (!("principal" in result)) return settle(request, reply, result);
          if (policy !== "public" && needsCsrfToken(request.method) && !csrfMatches(request.headers[CSRF_HEADER], result.csrfToken)) {
            throw new GatewayError("csrf_failed", `a console session must send the ${CSRF_HEADER} header it was given with every change`);
          }
          request.consoleSession = result;
          settle(request, reply, result.principal);
        },
        (error: unknown) => failed(request, error),
      );
    return (request, reply) => {
      if (sessions !== undefined && request.headers.cookie !== undefined) {
        const token = sessionTokenOf(request.headers);
        if (token !== undefined) return fromSession(request, reply, sessions.open(token));
      }
      let result: MaybePromise<Principal | AuthFailure>;
      try {
        result = authenticator.authenticate(request.headers);
      } catch (error) {
        return failed(request, error);
      }
      if (!isPromise(result)) return settle(request, reply, result);
      return result.then(
        (answer) => settle(request, reply, answer),
        (error: unknown) => failed(request, error),
      );
    };
  };

  const defaultEngine = deps.config.chat.defaultEngine;
  const allowedModels = (modelKind: "chat" | "embeddings" | undefined, openAI: boolean): RequestStep => (request) => {
    const allowed = request.principal.allowedModels;
    if (allowed === undefined) return;
    const body = (request.body ?? {}) as { model?: unknown; engine?: unknown };
    const model = typeof body.model === "string" ? body.model : undefined;
    const engine = typeof body.engine === "string" ? body.engine : undefined;
    const router = deps.router();
    const names =
      modelKind === "embeddings"
        ? namesForEmbeddingModel(router, model ?? "auto")
        : openAI
          ? namesForModel(router, model ?? "auto")
          : namesForSessionTurn(router, engine, model, defaultEngine);
    if (!isModelAllowed(names, allowed)) {
      const asked = openAI ? (model ?? "auto") : (engine ?? (model === undefined ? defaultEngine : model));
      throw new GatewayError("forbidden", `this API key may not use "${asked}" (allowed: ${allowed.join(", ")})`, { param: "model" });
    }
  };

  return { authenticator, stepFor, allowedModels, ...(sessions ? { sessions } : {}) };
}

function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  return typeof sent === "string" && safeEqual(sent, expected);
}

function setPrincipal(request: FastifyRequest, principal: Principal): void {
  request.principal = principal;
  request.userId = principal.userId;
  request.observed.principal = principal;
  request.observed.userId = principal.userId;
}

function unauthorized(request: FastifyRequest, reply: FastifyReply, message: string, invalid: boolean, cause: unknown): never {
  // RFC 6750: tell the client which scheme to use, and whether the token it sent was the problem.
  reply.header("www-authenticate", invalid ? 'Bearer realm="switchyard", error="invalid_token"' : 'Bearer realm="switchyard"');
  if (cause !== undefined) request.log.info({ err: cause }, "credential rejected");
  throw new GatewayError("unauthorized", message);
}

function allowlistOf(entries: readonly string[] | undefined): AddressMatcher | undefined {
  // An empty list is a list nobody is in (fail closed), not the absence of one.
  if (entries === undefined) return undefined;
  try {
    return createAddressMatcher(entries);
  } catch (error) {
    throw new Error(`auth.adminAllowlist: ${(error as Error).message}`, { cause: error });
  }
}
