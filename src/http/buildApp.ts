/**
 * The Fastify application: hooks, the error edge, and the routes of each API family. It receives everything it
 * needs as plain values; nothing below the HTTP layer imports from here.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import type { Config } from "../config/schema.js";
import type { Router } from "../routing/createRouter.js";
import type { SessionChat } from "../chat/createSessionChat.js";
import type { Store } from "../store/openStore.js";
import type { Logger } from "../logger.js";
import { isAbortError } from "../errors.js";
import { apiFamilyOf, errorEnvelope } from "./errorEnvelope.js";
import { toGatewayError } from "./toGatewayError.js";
import { requestIdentity } from "./requestIdentity.js";
import type { RequestSignals } from "./requestSignals.js";
import { chatCompletionsRoute } from "./routes/chatCompletionsRoute.js";
import { modelsRoute } from "./routes/modelsRoute.js";
import { sessionChatRoutes } from "./routes/sessionChatRoutes.js";
import { abRoutes } from "./routes/abRoutes.js";
import { feedbackRoute } from "./routes/feedbackRoute.js";
import { healthRoutes } from "./routes/healthRoutes.js";
import { adminEnginesRoute } from "./routes/adminEnginesRoute.js";
import { adminKeysRoutes, type AdminKeysRouteDeps } from "./routes/adminKeysRoutes.js";
import { authentication } from "./authentication.js";
import { securityHeaders } from "./security/securityHeaders.js";
import { corsPolicy } from "./security/corsPolicy.js";
import { jsonBodyParser } from "./security/jsonBodyParser.js";
import { rateLimitHook } from "./security/rateLimitHook.js";
import { createRateLimits, type RateLimits } from "../limits/createRateLimits.js";
import type { Meter } from "../metering/createMeter.js";
import { createMetering } from "../metering/createMetering.js";
import { usageRoutes } from "./routes/usageRoutes.js";
import { adminWebhooksRoutes } from "./routes/adminWebhooksRoutes.js";

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  store: Store;
  router(): Router;
  chat: SessionChat;
  signals: RequestSignals;
  draining(): boolean;
  /** Shared with the meter (tokens); created from config.rateLimits when absent. */
  rateLimits?: RateLimits;
  /** Shared with the session pipeline and closed by main.ts; built from config.pricing/budgets when absent. */
  meter?: Meter;
  /** Key lifecycle events, for webhooks. */
  onKeyEvent?: AdminKeysRouteDeps["onKeyEvent"];
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const trustProxy = deps.config.server.trustProxy;
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.server.bodyLimitBytes,
    // request.ip (the admin allowlist, logs) honours X-Forwarded-For only from proxies the operator trusts. A hop
    // count works at runtime but Fastify's types leave it out, hence the function form (which is what it becomes).
    trustProxy: typeof trustProxy === "number" ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    ajv: {
      // A wrong type is the client's mistake to hear about, not something to coerce or silently drop.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false },
    },
  }) as unknown as FastifyInstance;

  requestIdentity(app);
  // Before authentication: a 401 must carry the security and CORS headers too (a browser hides a response without
  // them), and a preflight, which comes without credentials, is answered here. corsPolicy also marks its preflight
  // route public, which has to happen before the onRoute hooks that check and record policies.
  securityHeaders(app);
  corsPolicy(app, deps.config.server.cors);
  jsonBodyParser(app);
  const authenticator = authentication(app, { config: deps.config, apiKeys: deps.store.apiKeys, router: deps.router });
  // Every route states who may call it; one that does not is a bug caught at start-up, not an open door.
  app.addHook("onRoute", (route) => {
    if (!route.config?.policy) throw new Error(`route ${route.method} ${route.url} declares no policy (config.policy)`);
  });
  // Rate limits count against request.principal: this hook must stay after authentication.
  app.addHook("onRequest", rateLimitHook(deps.rateLimits ?? createRateLimits(deps.config.rateLimits)));

  app.setErrorHandler((error, request, reply) => {
    if (isAbortError(error) && reply.raw.destroyed) {
      request.log.info("client went away before the response");
      return;
    }
    const failure = toGatewayError(error);
    if (failure.status >= 500) request.log.error({ err: failure.cause ?? failure, code: failure.code }, failure.message);
    else request.log.info({ code: failure.code, reason: failure.message }, "request rejected");
    if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
    reply
      .code(failure.status)
      .send(errorEnvelope(apiFamilyOf(request.url), { code: failure.code, message: failure.message, param: failure.param, traceId: request.traceId }));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(
      errorEnvelope(apiFamilyOf(request.url), {
        code: "not_found",
        message: `no route for ${request.method} ${request.url.split("?")[0]}`,
        traceId: request.traceId,
      }),
    );
  });

  const meter = deps.meter ?? createMetering({ config: deps.config, usage: deps.store.usage, logger: deps.logger, tokens: deps.rateLimits?.tokens });
  chatCompletionsRoute(app, { router: deps.router, signals: deps.signals, logger: deps.logger, meter });
  modelsRoute(app, deps.router, Date.now());
  sessionChatRoutes(app, { chat: deps.chat, store: deps.store, signals: deps.signals });
  abRoutes(app, { store: deps.store });
  feedbackRoute(app, { store: deps.store });
  healthRoutes(app, { store: deps.store, router: deps.router, draining: deps.draining });
  adminEnginesRoute(app, { router: deps.router });
  adminKeysRoutes(app, { apiKeys: deps.store.apiKeys, onRevoked: authenticator.forget, ...(deps.onKeyEvent ? { onKeyEvent: deps.onKeyEvent } : {}) });
  usageRoutes(app, { usage: deps.store.usage, flush: () => meter.flush() });
  adminWebhooksRoutes(app, { webhooks: deps.store.webhooks, configured: deps.config.webhooks });
  return app;
}
