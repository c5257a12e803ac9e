/**
 * The composition root: configuration in, a listening server out. The only place things are wired together.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config/schema.js";
import { createLogger, type Logger } from "./logger.js";
import { secretsOf } from "./observability/createScrubber.js";
import { openStore } from "./store/openStore.js";
import { createRouting } from "./routing/createRouting.js";
import { createSessionChat } from "./chat/createSessionChat.js";
import { createRequestSignals } from "./http/requestSignals.js";
import { buildApp } from "./http/buildApp.js";
import { createRateLimits, type RateLimits } from "./limits/createRateLimits.js";
import { createMetering } from "./metering/createMetering.js";
import { createWebhookDispatcher } from "./webhooks/createWebhookDispatcher.js";

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
   * Applies the engines, routes and routing of a new configuration without dropping in-flight streams. Server,
   * store and chat settings need a restart.
   */
  reload(config: Readonly<Config>): { added: string[]; removed: string[]; kept: string[] };
}

export async function startServer(config: Readonly<Config>, options: { logger?: Logger; rateLimits?: RateLimits } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.log.level, { secrets: secretsOf(config) });
  const store = await openStore(config.store.url, { logger });
  const webhooks = createWebhookDispatcher({ store: store.webhooks, configured: config.webhooks, logger });
  const routing = createRouting(config, logger, {
    onBreakerChange: (engine, state) => void webhooks.emit(state === "open" ? "engine.breaker_open" : "engine.breaker_closed", { engine }),
  });
  // One set of counters per process: the HTTP hook counts requests, the meter records tokens (rateLimits.tokens).
  const rateLimits = options.rateLimits ?? createRateLimits(config.rateLimits);
  const meter = createMetering({
    config,
    usage: store.usage,
    logger,
    tokens: rateLimits.tokens,
    onAlert: (alert) => void webhooks.emit("budget.threshold", alert),
  });
  const chat = createSessionChat({ store, router: routing.router, historyWindow: config.chat.historyWindow, logger, meter });
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
    onKeyEvent: (event, data) => void webhooks.emit(event, data),
  });

  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await routing.close();
    await meter.close();
    await webhooks.stop();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;

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
      await routing.close();
      // After the drain every request has settled: write the last ledger rows and let queued webhooks go, while
      // the store is still open to record them.
      await meter.close();
      await webhooks.stop();
      await store.close();
      logger.info("shutdown complete");
    })());

  const reload = (next: Readonly<Config>) => {
    const changes = routing.reload(next);
    logger.info(changes, "engines and routes reloaded");
    return changes;
  };

  logger.info(
    { url: `http://${host}:${port}`, engines: routing.router().engines.map((g) => g.engine.name), store: store.dialect },
    "switchyard listening",
  );
  return { url: `http://${host}:${port}`, app, logger, shutdown, reload };
}
