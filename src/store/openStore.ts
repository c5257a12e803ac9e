/**
 * Opens the database named by a store URL, brings its schema up to date, and hands out the per-aggregate stores.
 * The only file that knows which dialect is in use.
 */
import { Kysely, sql, type Dialect } from "kysely";
import { GatewayError } from "../errors.js";
import type { Clock } from "./clock.js";
import type { Database } from "./schema.js";
import type { StoreLogger } from "./storeLogger.js";
import { createExperimentStore, type ExperimentStore } from "./experiments.js";
import { createApiKeyStore, type ApiKeyStore } from "./apiKeys.js";
import { createMessageStore, type MessageStore } from "./messages.js";
import { createSessionStore, type SessionStore } from "./sessions.js";
import { createUsageLedger, type UsageLedger } from "./usageLedger.js";
import { createWebhookStore, type WebhookStore } from "./webhookStore.js";
import { migrateToLatest } from "./migrateToLatest.js";
import { parseStoreUrl, type StoreTarget } from "./parseStoreUrl.js";
import { postgresDialect } from "./postgresDialect.js";
import { sqliteDialect } from "./sqliteDialect.js";

export interface Store {
  dialect: "sqlite" | "postgres";
  sessions: SessionStore;
  messages: MessageStore;
  experiments: ExperimentStore;
  apiKeys: ApiKeyStore;
  usage: UsageLedger;
  webhooks: WebhookStore;
  /** Cheap reachability check for readiness probes. Rejects when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  logger?: StoreLogger;
  /** Epoch-ms clock for timestamps; tests pass a deterministic one. */
  now?: Clock;
}

// A readiness probe must answer even when a pooled connection hangs on a dead server.
const PING_TIMEOUT_MS = 5_000;

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  const db = new Kysely<Database>({ dialect: dialectFor(target, options.logger) });
  let applied: string[];
  try {
    applied = await migrateToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new GatewayError("store_unavailable", `Could not open the ${target.dialect} store: ${messageOf(error)}`, {
      cause: error,
    });
  }
  options.logger?.info({ dialect: target.dialect, migrationsApplied: applied }, "store: opened");

  const stores = { now: options.now };
  let closing: Promise<void> | undefined;
  return {
    dialect: target.dialect,
    sessions: createSessionStore(db, stores),
    messages: createMessageStore(db, stores),
    experiments: createExperimentStore(db, stores),
    apiKeys: createApiKeyStore(db, stores),
    usage: createUsageLedger(db),
    webhooks: createWebhookStore(db, stores),
    async ping() {
      if (closing !== undefined) throw new GatewayError("store_unavailable", "The store is closed.");
      try {
        await withTimeout(sql`select 1`.execute(db), PING_TIMEOUT_MS);
      } catch (error) {
        throw new GatewayError("store_unavailable", `The ${target.dialect} store is unreachable.`, {
          cause: error,
          retryable: true,
        });
      }
    },
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}

function dialectFor(target: StoreTarget, logger: StoreLogger | undefined): Dialect {
  return target.dialect === "sqlite"
    ? sqliteDialect(target.filename)
    : postgresDialect(target.connectionString, logger);
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
