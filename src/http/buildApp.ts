/**
 * The Fastify application: hooks, the error edge, and the routes of each API family. It receives everything it
 * needs as plain values; nothing below the HTTP layer imports from here.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { uuidV7 } from "../observability/uuidV7.js";
import type { Config } from "../config/schema.js";
import type { Router } from "../routing/createRouter.js";
import type { SessionChat } from "../chat/createSessionChat.js";
import type { Store } from "../store/openStore.js";
import type { Logger } from "../logger.js";
import { isAbortError } from "../errors.js";
import { apiFamilyOf, errorEnvelope } from "./errorEnvelope.js";
import { toGatewayError } from "./toGatewayError.js";
import { requestStart } from "./requestStart.js";
import { flatten } from "./sseStream.js";
import { anonymousPrincipal, localPrincipal } from "../auth/principal.js";
import { routeGuards } from "./routeGuards.js";
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
import { corsPolicy } from "./security/corsPolicy.js";
import { jsonBodyParser } from "./security/jsonBodyParser.js";
import { registerOpenApi } from "./openApi.js";
import { createRateLimits, type RateLimits } from "../limits/createRateLimits.js";
import type { Meter } from "../metering/createMeter.js";
import { createMetering } from "../metering/createMetering.js";
import { usageRoutes } from "./routes/usageRoutes.js";
import { usageSeriesRoutes } from "./routes/usageSeriesRoutes.js";
import { usageExportRoutes } from "./routes/usageExportRoutes.js";
import { budgetRoutes } from "./routes/budgetRoutes.js";
import { ownKeysRoute } from "./routes/ownKeysRoute.js";
import { adminUsageDailyRoute } from "./routes/adminUsageDailyRoute.js";
import { adminWebhooksRoutes } from "./routes/adminWebhooksRoutes.js";
import { metricsRoute } from "./routes/metricsRoute.js";
import { loadShedding } from "./loadShedding.js";
import { serverOptions, type ServerOptions } from "./serverOptions.js";
import { requestDeadline } from "./requestDeadline.js";
import { compression } from "./compression.js";
import { messagesRoute } from "./routes/messagesRoute.js";
import { responsesRoute } from "./routes/responsesRoute.js";
import type { FeaturesConfig } from "../config/operationsSchema.js";
import type { RedisClient } from "../redis/createRedisClient.js";
import type { FastifyOtelInstrumentation } from "@fastify/otel";
import { createMetrics, type Metrics } from "../observability/createMetrics.js";
import type { ResponseCache } from "../cache/createResponseCache.js";
import type { SemanticCache } from "../cache/createSemanticCache.js";
import { adminCacheRoute } from "./routes/adminCacheRoute.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import type { ChatJobs } from "../chat/defineChatJobs.js";
import { adminJobsRoutes } from "./routes/adminJobsRoutes.js";
import { chatJobsRoutes } from "./routes/chatJobsRoutes.js";
import { documentRoutes } from "./routes/documentRoutes.js";
import { createRetriever, type Retriever } from "../documents/createRetriever.js";
import type { DocumentEmbedder } from "../documents/documentEmbedder.js";
import { adminDocumentEmbeddingsRoutes } from "./routes/adminDocumentEmbeddingsRoutes.js";
import { embeddingsRoute } from "./routes/embeddingsRoute.js";
import { createChatCompletions, type ChatCompletions } from "../completions/createChatCompletions.js";
import { createConsoleSessions } from "../console/createConsoleSessions.js";
import { consoleSessionRoutes } from "./routes/consoleSessionRoutes.js";
import { consoleRoutes } from "./routes/consoleRoutes.js";
import { requestDetailRoutes } from "./routes/requestDetailRoutes.js";
import type { RequestBodyLog } from "../observability/createRequestBodyLog.js";
import type { ReloadLog } from "../routing/createReloadLog.js";
import type { Tracer } from "@opentelemetry/api";
import type { Toolbox } from "../tools/createToolbox.js";
import { mcpRoute } from "./routes/mcpRoute.js";
import { createServerToolLoop, type ServerToolLoop } from "../completions/createServerToolLoop.js";

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
  /** Shared counters' connection, for readiness (degraded while it is down). */
  redis?: RedisClient;
  /** The feature flags in force (they change on reload); the configuration's when absent. */
  features?: () => Readonly<FeaturesConfig>;
  /** Server spans (@fastify/otel) when telemetry is on. */
  telemetry?: FastifyOtelInstrumentation;
  /** Prometheus metrics, shared with the router and the session pipeline; a fresh set (own registry) when absent. */
  metrics?: Metrics;
  /** The response cache, when config.cache.enabled; closed by main.ts. */
  cache?: ResponseCache;
  /** The semantic cache, when an embedding target is configured (admin invalidation clears it too). */
  semanticCache?: SemanticCache;
  /** The background job queue (admin jobs API); started and closed by main.ts. */
  jobs?: JobQueue;
  /** Asynchronous chat (`/api/v2/chat/jobs`), on the job queue. */
  chatJobs?: ChatJobs;
  /** How documents are searched (route, chat retrieval, tools); lexical over the store when absent. */
  retriever?: Retriever;
  /** Embeds document chunks at ingestion (with an embedding model configured); lexical-only ingestion when absent. */
  documentEmbedder?: DocumentEmbedder;
  /** The chat-completion pipeline, shared with chat jobs; built over router, meter, metrics and cache when absent. */
  completions?: ChatCompletions;
  /** Where the built console is; dist/console when absent. */
  consoleRoot?: string;
  /** The body log deps.completions writes to (requestLog.bodies), flushed before a request detail is read. */
  requestBodyLog?: RequestBodyLog;
  /** The last configuration reload, for the admin engines API; kept by main.ts. */
  reloads?: ReloadLog;
  /** The server-side tools, served at /mcp; closed by main.ts. No /mcp route without them. */
  tools?: Toolbox;
  /** The server-tool loop (main builds it once for the routes and queued jobs); built from `tools` when absent. */
  serverTools?: ServerToolLoop;
  /** Tool call spans of /mcp and of the server-tool loop, when tracing is on. */
  tracer?: Tracer;
  /** The routes in force, for their `serverTools` (a reload hands over new ones); the configuration's when absent. */
  routes?: () => Readonly<Config>["routes"];
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const trustProxy = deps.config.server.trustProxy;
  // TLS and HTTP/2 make Fastify's server type a union its overloads cannot take from a value decided at run time;
  // the routes only ever see the common request/reply surface.
  const createServer = Fastify as unknown as (options: ServerOptions & FastifyServerOptions) => FastifyInstance;
  const app = createServer({
    ...serverOptions(deps.config.server),
    loggerInstance: deps.logger,
    bodyLimit: deps.config.server.bodyLimitBytes,
    // request.ip (the admin allowlist, logs) honours X-Forwarded-For only from proxies the operator trusts. A hop
    // count works at runtime but Fastify's types leave it out, hence the function form (which is what it becomes).
    trustProxy: typeof trustProxy === "number" ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // Time-ordered (uuidV7): the ledger indexes request ids. Built from pieces, the string is flattened: a fifth of the
    // size for the request's lifetime.
    genReqId: () => {
      const id = uuidV7();
      flatten(id);
      return id;
    },
    // One access line per request is written by requestStart; the ids come from the logger's context mixin,
    // so a request needs no child logger of its own: request.log is the process logger.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    return503OnClosing: true,
    ajv: {
      // A wrong type is the client's mistake to hear about, not something to coerce or silently drop.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false },
    },
  });
  // Node's own default (60 s) is not what the operator configured.
  app.server.headersTimeout = deps.config.server.timeouts.headersMs;

  // Before every hook and route, so each request gets its span (continuing the caller's traceparent).
  if (deps.telemetry) void app.register(deps.telemetry.plugin());
  const metrics = deps.config.metrics.enabled ? (deps.metrics ?? createMetrics()) : undefined;
  // The first request hook: ids, the request's context, security headers and the access line, so requests refused
  // by shedding, authentication or limits are logged, timed and carry the headers too.
  requestStart(app, { logger: deps.logger, metrics, defaultPrincipal: deps.config.auth.mode === "none" ? localPrincipal : anonymousPrincipal });
  // Before authentication and limits: a shed request costs next to nothing.
  loadShedding(app, deps.config.loadShedding, metrics);
  const config = deps.config;
  compression(app, deps.config.server.compression);
  // Before authentication (each route's own hooks run after the global ones): a 401 must carry the CORS headers
  // too (a browser hides a response without them), and a preflight, which comes without credentials, is answered
  // here. corsPolicy also marks its preflight route public, which has to happen before the onRoute hooks that check
  // and record policies.
  corsPolicy(app, deps.config.server.cors);
  jsonBodyParser(app);
  // Before the policy hooks and every route: it marks its docs routes public and must see each route added.
  registerOpenApi(app);
  const auth = authentication(app, {
    config: deps.config,
    apiKeys: deps.store.apiKeys,
    router: deps.router,
    sessions: (authenticator) => createConsoleSessions({ ttlMinutes: config.console.sessionTtlMinutes, secret: config.console.sessionSecret, authenticator }),
  });
  // Every route states who may call it; one that does not is a bug caught at start-up, not an open door.
  app.addHook("onRoute", (route) => {
    if (!route.config?.policy) throw new Error(`route ${String(route.method)} ${route.url} declares no policy (config.policy)`);
  });
  routeGuards(app, {
    features: deps.features ?? (() => config.features),
    deadline: requestDeadline(deps.config.server.timeouts.requestMs),
    authentication: auth,
    rateLimits: deps.rateLimits ?? createRateLimits(deps.config.rateLimits),
  });

  app.setErrorHandler((error, request, reply) => {
    if (isAbortError(error) && reply.raw.destroyed) {
      request.log.info("client went away before the response");
      return;
    }
    const failure = toGatewayError(error);
    if (failure.code === "rate_limited") metrics?.rateLimited.inc();
    else if (failure.code === "budget_exceeded") metrics?.budgetRejections.inc();
    // Only the unexpected gets a stack; a failure the gateway explained (an engine down, a timeout) is one line.
    if (failure.code === "internal_error") request.log.error({ err: failure.cause ?? failure, code: failure.code }, failure.message);
    else if (failure.status >= 500) request.log.warn({ code: failure.code, reason: failure.message }, "request failed");
    else request.log.info({ code: failure.code, reason: failure.message }, "request rejected");
    if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
    reply
      .code(failure.status)
      .send(errorEnvelope(apiFamilyOf(request.url), { code: failure.code, message: failure.message, param: failure.param, rule: failure.rule, traceId: request.traceId }));
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
  // Routes go in a plugin registered after the plugins above (compression, telemetry, OpenAPI): those see routes
  // through onRoute hooks, which only exist once their plugin has loaded.
  void app.register(async (scope) => {
    const completions = deps.completions ?? createChatCompletions({ router: deps.router, meter, metrics, cache: deps.cache });
    // Routes with `serverTools` run the gateway's tools on the three chat APIs; other routes never consult the loop.
    const tools = deps.tools;
    const serverTools =
      deps.serverTools ??
      (tools
        ? createServerToolLoop({ completions, tools, router: deps.router, routes: deps.routes ?? (() => config.routes), observers: { metrics, tracer: deps.tracer } })
        : undefined);
    chatCompletionsRoute(scope, { completions, signals: deps.signals, serverTools });
    messagesRoute(scope, { completions, signals: deps.signals, router: deps.router, serverTools });
    responsesRoute(scope, { completions, signals: deps.signals, serverTools });
    embeddingsRoute(scope, { router: deps.router, signals: deps.signals, meter, limits: deps.config.embeddings });
    if (metrics) metricsRoute(scope, { metrics, config: deps.config.metrics });
    modelsRoute(scope, deps.router, Date.now());
    sessionChatRoutes(scope, { chat: deps.chat, store: deps.store, signals: deps.signals, keepaliveMs: config.tools.streamKeepaliveMs });
    if (deps.tools) mcpRoute(scope, { tools: deps.tools, signals: deps.signals, observers: { metrics, tracer: deps.tracer }, logger: deps.logger });
    abRoutes(scope, { store: deps.store });
    feedbackRoute(scope, { store: deps.store });
    healthRoutes(scope, {
      store: deps.store,
      router: deps.router,
      draining: deps.draining,
      ...(deps.redis ? { redis: deps.redis, redisFailMode: deps.config.redis?.failMode ?? "open" } : {}),
      failureThreshold: deps.config.health.failureThreshold,
      storeTimeoutMs: deps.config.health.storeTimeoutMs,
    });
    adminEnginesRoute(scope, { router: deps.router, reloads: deps.reloads });
    adminKeysRoutes(scope, { apiKeys: deps.store.apiKeys, onRevoked: auth.authenticator.forget, ...(deps.onKeyEvent ? { onKeyEvent: deps.onKeyEvent } : {}) });
    usageRoutes(scope, { usage: deps.store.usage, flush: () => meter.flush() });
    requestDetailRoutes(scope, {
      usage: deps.store.usage,
      bodies: deps.store.requestBodies,
      bodiesLogged: deps.config.requestLog.bodies,
      flush: async () => void (await Promise.all([meter.flush(), deps.requestBodyLog?.flush()])),
    });
    usageSeriesRoutes(scope, { usage: deps.store.usage, flush: () => meter.flush() });
    usageExportRoutes(scope, { usage: deps.store.usage, flush: () => meter.flush() });
    budgetRoutes(scope, { apiKeys: deps.store.apiKeys, usage: deps.store.usage, budgets: deps.config.budgets, flush: () => meter.flush() });
    ownKeysRoute(scope, { apiKeys: deps.store.apiKeys });
    adminUsageDailyRoute(scope, { rollups: deps.store.rollups });
    adminWebhooksRoutes(scope, { webhooks: deps.store.webhooks, configured: deps.config.webhooks });
    adminCacheRoute(scope, { cache: deps.cache, semanticCache: deps.semanticCache });
    if (auth.sessions) consoleSessionRoutes(scope, { auth: deps.config.auth, authenticator: auth.authenticator, sessions: auth.sessions, features: deps.features ?? (() => config.features) });
    void scope.register(consoleRoutes, { ...(deps.consoleRoot ? { root: deps.consoleRoot } : {}) });
    if (deps.jobs) adminJobsRoutes(scope, { jobs: deps.jobs });
    if (deps.chatJobs) chatJobsRoutes(scope, { router: deps.router, chatJobs: deps.chatJobs, store: deps.store.chatJobs, serverTools, signals: deps.signals });
    adminDocumentEmbeddingsRoutes(scope, { documents: deps.store.documents, embedder: deps.documentEmbedder, jobs: deps.jobs });
    void scope.register(documentRoutes, {
      documents: deps.store.documents,
      retriever: deps.retriever ?? createRetriever({ documents: deps.store.documents }),
      config: deps.config.documents,
      jobs: deps.jobs,
      signals: deps.signals,
      embedder: deps.documentEmbedder,
      retrieval: deps.config.retrieval,
      ...(metrics ? { onSearch: (seconds: number, outcome: "ok" | "error") => metrics.retrievalDuration.observe({ outcome }, seconds) } : {}),
    });
  });
  return app;
}
