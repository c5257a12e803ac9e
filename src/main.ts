/**
 * The composition root: configuration in, a listening server out. The only place things are wired together.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config/schema.js";
import { createLogger, type Logger } from "./logger.js";
import { createScrubber, secretsOf } from "./observability/createScrubber.js";
import { openStore, type Store } from "./store/openStore.js";
import { createRouting } from "./routing/createRouting.js";
import { createSessionChat } from "./chat/createSessionChat.js";
import { createRequestSignals } from "./http/requestSignals.js";
import { buildApp } from "./http/buildApp.js";
import { createRateLimits, type RateLimits } from "./limits/createRateLimits.js";
import { createMetering } from "./metering/createMetering.js";
import { createWebhookDispatcher } from "./webhooks/createWebhookDispatcher.js";
import { createMetrics } from "./observability/createMetrics.js";
import { startTelemetry, type TelemetryOptions } from "./observability/startTelemetry.js";
import { observeStoreQueries } from "./observability/observeStoreQueries.js";
import { parseStoreUrl } from "./store/parseStoreUrl.js";
import { createRedisClient } from "./redis/createRedisClient.js";
import { redisCounterStore } from "./limits/redisCounterStore.js";
import { createRedisBudgetCounters } from "./metering/redisBudgetCounters.js";
import { createResponseCache } from "./cache/createResponseCache.js";
import { createSemanticCache } from "./cache/createSemanticCache.js";
import { createSessionCache } from "./chat/createSessionCache.js";
import type { LogEvent } from "kysely";
import type { VectorExtensionLoader } from "./store/loadVectorExtension.js";
import { createJobQueue } from "./jobs/createJobQueue.js";
import { observeJobQueue } from "./jobs/observeJobQueue.js";
import { createJobDeliveryQueue } from "./webhooks/jobDeliveryQueue.js";
import { defineBudgetAlertJob, enqueueBudgetAlert } from "./jobs/budgetAlertJob.js";
import { defineChatJobs } from "./chat/defineChatJobs.js";
import { defineMaintenanceJobs, scheduleMaintenanceJobs } from "./jobs/maintenanceJobs.js";
import { defineDocumentIngestJob } from "./documents/documentIngestJob.js";
import { defineDocumentReembedJob } from "./documents/documentReembedJob.js";
import { createDocumentEmbedder } from "./documents/documentEmbedder.js";
import { createRetriever } from "./documents/createRetriever.js";
import { warnOnStaleEmbeddings } from "./documents/warnOnStaleEmbeddings.js";
import { createEmbedder } from "./routing/createEmbedder.js";
import { createChatCompletions } from "./completions/createChatCompletions.js";
import { createServerToolLoop } from "./completions/createServerToolLoop.js";
import { completeChatCompletion } from "./apis/openai/completeChatCompletion.js";
import type { ChatCompletionBody } from "./apis/openai/chatCompletionSchema.js";
import { createToolbox } from "./tools/createToolbox.js";
import { createRequestBodyLog } from "./observability/createRequestBodyLog.js";
import { createReloadLog } from "./routing/createReloadLog.js";
import { createGuardrails } from "./guardrails/createGuardrails.js";
import { createLedgerWriter } from "./metering/createLedgerWriter.js";

export interface RunningServer {
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  app: FastifyInstance;
  logger: Logger;
  /**
   * Graceful shutdown: stop accepting, let in-flight requests and streams finish for up to drainTimeoutMs,
   * then cut what is left, close engines and the store. Safe to call more than once.
   */
  shutdown(): Promise<void>;
  /**
   * Applies the engines, routes, routing and feature flags of a new configuration without dropping in-flight
   * streams. Server, store and chat settings need a restart. Throws, changing nothing, when a new engine cannot
   * be built: report that through reloadFailed.
   */
  reload(config: Readonly<Config>): { added: string[]; removed: string[]; kept: string[] };
  /**
   * Logs and records a rejected reload (a file that does not validate, or a reload that threw); the running
   * configuration stays. `GET /api/v2/admin/engines` shows the last reload, applied or rejected.
   */
  reloadFailed(error: unknown): void;
}

export interface StartServerOptions {
  logger?: Logger;
  rateLimits?: RateLimits;
  /** Telemetry options (tests add an in-memory span exporter). */
  telemetry?: TelemetryOptions;
  /** Sees every store query after it ran, besides the metrics and spans (tests count what a request read). */
  onStoreQuery?: (event: LogEvent) => void;
  /** Loads SQLite's vector extension (sqlite-vec by default; tests inject one that fails). */
  loadVectorExtension?: VectorExtensionLoader;
  /** Where the built web console is (dist/console by default). */
  consoleRoot?: string;
}

export async function startServer(config: Readonly<Config>, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.log.level, { secrets: secretsOf(config), pretty: config.log.pretty });
  // The logger's scrubber, for text the gateway stores or shows rather than logs (request bodies, reload errors).
  const scrub = createScrubber(secretsOf(config));
  const reloads = createReloadLog({ scrub });
  // One registry per gateway (not prom-client's global one): several gateways can share a process.
  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const telemetry = startTelemetry(config.telemetry, options.telemetry);
  const tracer = telemetry?.tracer;
  let store: Store;
  try {
    store = await openStore(config.store.url, {
      logger,
      pool: config.store.pool,
      ...(options.loadVectorExtension ? { loadVectorExtension: options.loadVectorExtension } : {}),
      onQuery: withQueryListener(
        observeStoreQueries({ dialect: parseStoreUrl(config.store.url).dialect, slowQueryMs: config.store.slowQueryMs, metrics, tracer, logger }),
        options.onStoreQuery,
      ),
    });
  } catch (error) {
    await telemetry?.shutdown();
    throw error;
  }
  metrics?.observeStorePool(store.poolStats);
  // Background jobs (BullMQ with Redis, else in-process): every job is defined before jobs.start() below.
  const jobs = observeJobQueue(createJobQueue(config, logger), { metrics, tracer });
  const webhooks = createWebhookDispatcher({ store: store.webhooks, configured: config.webhooks, logger, queue: createJobDeliveryQueue(jobs, logger) });
  defineBudgetAlertJob(jobs, webhooks);
  defineMaintenanceJobs(jobs, store, config);
  const routing = createRouting(config, logger, {
    metrics,
    tracer,
    onBreakerChange: (engine, state) => {
      // Webhooks tell of an opened and a recovered engine; the half-open trial in between is only a gauge value.
      if (state !== "half-open") void webhooks.emit(state === "open" ? "engine.breaker_open" : "engine.breaker_closed", { engine });
    },
  });
  // Vector and hybrid retrieval when an embedding model is configured and the store can search vectors (on SQLite
  // without its extension the store has already warned, once, that retrieval is full-text only).
  const documentEmbedder = store.documents.vectorSearch ? createDocumentEmbedder(createEmbedder(routing.router, config), config.embeddings) : undefined;
  defineDocumentIngestJob(jobs, { documents: store.documents, config: config.documents, embedder: documentEmbedder });
  if (documentEmbedder) {
    defineDocumentReembedJob(jobs, { documents: store.documents, embedder: documentEmbedder });
    warnOnStaleEmbeddings(store.documents, documentEmbedder, logger).catch((error: unknown) => logger.warn({ err: error }, "counting chunk vectors failed"));
  }
  // One retriever for the search route, chat retrieval and the search_documents tool, so they rank alike.
  const retriever = createRetriever({
    documents: store.documents,
    embedder: documentEmbedder,
    config: config.retrieval,
    logger,
    tracer,
    onRetrieval: metrics ? (mode, outcome, seconds) => metrics.retrieverDuration.observe({ mode, outcome }, seconds) : undefined,
  });
  // With Redis, rate and budget counters are shared by every replica; without it they are this process's own.
  const redis = config.redis ? createRedisClient(config.redis, logger) : undefined;
  const shared = redis && config.redis ? { client: redis.client, failMode: config.redis.failMode } : undefined;
  // One set of counters per process: the HTTP hook counts requests, the meter records tokens (rateLimits.tokens).
  const rateLimits = options.rateLimits ?? createRateLimits(config.rateLimits, shared ? { store: redisCounterStore(shared) } : {});
  // One ledger writer for the meter's rows and a guardrail's refusals: the meter's flush (before usage reads) and
  // close cover both.
  const ledger = createLedgerWriter({
    append: (records) => store.usage.append(records),
    logger,
    // SQLite: 20-row transactions keep short a pause here (in memory) and a write's wait for the ledger thread's lock.
    maxBatch: store.dialect === "sqlite" ? 20 : undefined,
  });
  const meter = createMetering({
    config,
    usage: store.usage,
    logger,
    ledger,
    tokens: rateLimits.tokens,
    onAlert: (alert) => {
      metrics?.budgetThresholdAlerts.inc({ subject: alert.subject, threshold: String(alert.threshold) });
      enqueueBudgetAlert(jobs, webhooks, alert, logger);
    },
    onCost: ({ engine, model, costUsd }) => metrics?.usageCost.inc({ engine, model }, costUsd),
    budgetCounters: shared ? createRedisBudgetCounters({ ...shared, logger }) : undefined,
  });
  // Prompts a guardrail refuses never reach the meter: their `rejected` ledger rows go through its writer.
  const guardrails = createGuardrails({ guardrails: config.guardrails, routes: config.routes }, { metrics, ledger });
  // The response cache shares the process's Redis connection (L2, generations) and opens one more for pub/sub.
  const cache = config.cache.enabled
    ? createResponseCache({ config: config.cache, logger, redis: redis && config.redis ? { client: redis.client, keyPrefix: config.redis.keyPrefix } : undefined })
    : undefined;
  let features = config.features;
  // Routes opt in to the semantic cache; a reload hands over new ones.
  let routes = config.routes;
  const semanticEmbedder = store.semanticCache ? createDocumentEmbedder(createEmbedder(routing.router, config), config.embeddings) : undefined;
  const semanticCache =
    store.semanticCache && semanticEmbedder
      ? createSemanticCache({
          store: store.semanticCache,
          embedder: semanticEmbedder,
          defaults: config.cache.semantic,
          maxEntryBytes: config.cache.maxEntryBytes,
          routes: () => routes,
          logger,
          metrics,
        })
      : undefined;
  if (!store.semanticCache && config.routes.some((route) => route.semanticCache?.enabled === true)) {
    logger.warn("the store cannot compare vectors (sqlite-vec did not load): the semantic cache is off");
  }
  const sessionCache =
    redis && config.chat.sessionCacheTtlSeconds > 0 ? createSessionCache({ client: redis.client, ttlSeconds: config.chat.sessionCacheTtlSeconds, logger }) : undefined;
  const tools = createToolbox({ config: config.tools, retriever, messages: store.messages, logger });
  const chat = createSessionChat({
    retriever,
    tools,
    tracer,
    sessionCache,
    store,
    router: routing.router,
    historyWindow: config.chat.historyWindow,
    logger,
    meter,
    metrics,
    experimentsEnabled: () => features.experiments,
    guardrails,
  });
  const bodies = config.requestLog.bodies
    ? createRequestBodyLog({
        append: (records) => store.requestBodies.append(records),
        scrub,
        maxChars: config.requestLog.maxChars,
        logger,
        // SQLite writes on this thread: small transactions keep each pause short.
        maxBatch: store.dialect === "sqlite" ? 20 : undefined,
      })
    : undefined;
  // One chat-completion pipeline for the OpenAI route and queued chat jobs alike.
  const completions = createChatCompletions({ router: routing.router, meter, metrics, cache, semanticCache, bodies, guardrails });
  // Routes with `serverTools` run the gateway's tools for the chat APIs and for queued jobs alike.
  const serverTools = createServerToolLoop({ completions, tools, router: routing.router, routes: () => routes, observers: { metrics, tracer } });
  const chatJobs = defineChatJobs({
    jobs,
    store: store.chatJobs,
    logger,
    concurrency: config.jobs.concurrency,
    generate: (job, signal) => {
      // Validated at submission against the same schema.
      const body = job.request as ChatCompletionBody;
      return completeChatCompletion(
        serverTools.forModel(body.model) ?? completions,
        {
          principal: job.principal,
          traceId: job.traceId,
          requestId: job.id,
          abortSignal: () => signal,
          log: logger,
          startedAt: performance.now(),
          api: "session",
          // A queued job has no request arriving at the gateway: there is no overhead of one to observe.
          engineStartedAt: performance.now(),
        },
        body,
      );
    },
    notify: (event, data) => void webhooks.emit(event, data),
  });
  const signals = createRequestSignals();
  let draining = false;
  const app = buildApp({
    config,
    logger,
    store,
    router: routing.router,
    chat,
    signals,
    draining: () => draining,
    rateLimits,
    meter,
    ...(redis ? { redis } : {}),
    ...(cache ? { cache } : {}),
    ...(semanticCache ? { semanticCache } : {}),
    ...(metrics ? { metrics } : {}),
    ...(telemetry ? { telemetry: telemetry.fastify } : {}),
    features: () => features,
    onKeyEvent: (event, data) => void webhooks.emit(event, data),
    jobs,
    chatJobs,
    retriever,
    ...(documentEmbedder ? { documentEmbedder } : {}),
    completions,
    ...(options.consoleRoot ? { consoleRoot: options.consoleRoot } : {}),
    ...(bodies ? { requestBodyLog: bodies } : {}),
    reloads,
    tools,
    serverTools,
    routes: () => routes,
    ...(tracer ? { tracer } : {}),
  });

  try {
    await chatJobs.recover();
    await jobs.start();
    // Not awaited: with Redis down at start the schedules are written when it returns, and serving must not wait.
    scheduleMaintenanceJobs(jobs, config).catch((error: unknown) => logger.warn({ err: error }, "scheduling roll-ups and retention failed"));
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await jobs.close(0);
    await tools.close();
    await routing.close();
    await meter.close();
    await guardrails.close();
    await bodies?.close();
    await webhooks.stop();
    await store.close();
    await cache?.close();
    await redis?.close();
    await telemetry?.shutdown();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const scheme = config.server.tls ? "https" : "http";

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      draining = true;
      logger.info({ inFlight: signals.inFlight, drainTimeoutMs: config.server.drainTimeoutMs }, "shutting down: draining");
      const closed = app.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), config.server.drainTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ inFlight: signals.inFlight }, "drain timeout reached: aborting what is left");
        signals.abortAll(new DOMException("the server is shutting down", "AbortError"));
        app.server.closeAllConnections();
        await closed;
      }
      // Running jobs (generations, deliveries) finish within their grace period while engines, meter and store
      // are still open; with BullMQ, what is left waits in Redis for another replica or the next start.
      await jobs.close(config.jobs.closeGraceMs);
      await tools.close();
      await routing.close();
      // After the drain every request has settled: write the last ledger rows and let queued webhooks go, while
      // the store is still open to record them.
      await meter.close();
      await guardrails.close();
      await bodies?.close();
      await webhooks.stop();
      await store.close();
      await cache?.close();
      await redis?.close();
      // Last: the spans of the drain itself are exported too.
      await telemetry?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "flushing telemetry failed"));
      logger.info("shutdown complete");
    })());

  const reload = (next: Readonly<Config>) => {
    const changes = routing.reload(next);
    features = next.features;
    guardrails.reload({ guardrails: next.guardrails, routes: next.routes });
    routes = next.routes;
    reloads.applied(changes);
    logger.info({ ...changes, features }, "engines and routes reloaded");
    return changes;
  };
  const reloadFailed = (error: unknown) => {
    reloads.rejected(error);
    logger.error({ err: error }, "configuration reload rejected; keeping the current configuration");
  };

  logger.info(
    { url: `${scheme}://${host}:${port}`, engines: routing.router().engines.map((g) => g.name), store: store.dialect },
    "switchyard listening",
  );
  return { url: `${scheme}://${host}:${port}`, app, logger, shutdown, reload, reloadFailed };
}

function withQueryListener(observe: (event: LogEvent) => void, listener: ((event: LogEvent) => void) | undefined): (event: LogEvent) => void {
  return listener
    ? (event) => {
        observe(event);
        listener(event);
      }
    : observe;
}
