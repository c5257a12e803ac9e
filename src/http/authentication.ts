/**
 * Authentication and authorization at the HTTP edge. Every request gets a principal (onRequest, right after
 * requestIdentity); each route's declared policy decides who may call it; admin routes may further be limited to
 * client addresses in `auth.adminAllowlist`; API keys restricted to some models are held to them on chat routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config/schema.js";
import type { Router } from "../routing/createRouter.js";
import type { ApiKeyStore } from "../store/apiKeys.js";
import { GatewayError } from "../errors.js";
import { guardStore } from "../chat/guardStore.js";
import { anonymousPrincipal, type Principal, type RoutePolicy } from "../auth/principal.js";
import { createAuthenticator, type Authenticator, type AuthenticatorOptions } from "../auth/createAuthenticator.js";
import { isAuthFailure } from "../auth/authFailure.js";
import { createAddressMatcher, type AddressMatcher } from "../auth/createAddressMatcher.js";
import { isModelAllowed, namesForEmbeddingModel, namesForModel, namesForSessionTurn } from "../auth/requestedModelNames.js";

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
}

export interface AuthenticationDeps {
  config: Readonly<Config>;
  apiKeys: ApiKeyStore;
  router(): Router;
  options?: AuthenticatorOptions;
}

export function authentication(app: FastifyInstance, deps: AuthenticationDeps): Authenticator {
  const auth = deps.config.auth;
  const authenticator = createAuthenticator(auth, deps.apiKeys, deps.options);
  const inAllowlist = allowlistOf(auth.adminAllowlist);

  const routes: RoutePolicyEntry[] = [];
  app.decorate("routePolicies", routes);
  app.addHook("onRoute", (route) => {
    const policy = route.config?.policy;
    // A route without a policy is refused by buildApp's own onRoute check; nothing to record.
    if (policy === undefined) return;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, policy });
  });

  app.addHook("onRequest", async (request, reply) => {
    // The not-found handler has no policy: it answers 404 to anyone, which reveals nothing a route would not.
    const policy = request.routeOptions.config?.policy ?? "public";
    if (auth.mode !== "none") {
      const result = await guardStore(() => authenticator.authenticate(request.headers)).catch((error: unknown) => {
        // A public route (health) must answer even when the store cannot vouch for a credential it did not need.
        if (policy === "public") return anonymousPrincipal;
        throw error;
      });
      if (isAuthFailure(result)) {
        if (policy !== "public") return unauthorized(request, reply, result.message, result.reason === "invalid", result.cause);
        setPrincipal(request, anonymousPrincipal);
      } else {
        setPrincipal(request, result);
      }
    }
    if (policy !== "admin") return;
    if (request.principal.role !== "admin") throw new GatewayError("forbidden", "this endpoint needs the admin role");
    if (inAllowlist && !inAllowlist(request.ip)) {
      request.log.warn({ ip: request.ip, userId: request.userId }, "admin request from outside auth.adminAllowlist");
      throw new GatewayError("forbidden", "admin endpoints are not available from this address");
    }
  });

  const defaultEngine = deps.config.chat.defaultEngine;
  // After validation, so the body is known to have the shape named below; before any handler (and any budget
  // reservation) runs.
  app.addHook("preHandler", async (request) => {
    const allowed = request.principal.allowedModels;
    if (allowed === undefined || request.routeOptions.config?.routeClass !== "chat") return;
    const body = (request.body ?? {}) as { model?: unknown; engine?: unknown };
    const model = typeof body.model === "string" ? body.model : undefined;
    const engine = typeof body.engine === "string" ? body.engine : undefined;
    const router = deps.router();
    const openAI = request.url.startsWith("/v1/");
    const names =
      request.routeOptions.config.modelKind === "embeddings"
        ? namesForEmbeddingModel(router, model ?? "auto")
        : openAI
          ? namesForModel(router, model ?? "auto")
          : namesForSessionTurn(router, engine, model, defaultEngine);
    if (!isModelAllowed(names, allowed)) {
      const asked = openAI ? (model ?? "auto") : (engine ?? (model === undefined ? defaultEngine : model));
      throw new GatewayError("forbidden", `this API key may not use "${asked}" (allowed: ${allowed.join(", ")})`, { param: "model" });
    }
  });

  return authenticator;
}

function setPrincipal(request: FastifyRequest, principal: Principal): void {
  request.principal = principal;
  request.userId = principal.userId;
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
    throw new Error(`auth.adminAllowlist: ${(error as Error).message}`);
  }
}
