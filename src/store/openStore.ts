/**
 * Opens the database named by a store URL, brings its schema up to date, and hands out the per-aggregate stores.
 * The only file that knows which dialect is in use.
 */
import { Kysely, sql, type Dialect, type LogEvent } from "kysely";
import { GatewayError } from "../errors.js";
import type { StorePoolConfig } from "../config/storeSchema.js";
import type { Clock } from "./clock.js";
import type { Database } from "./schema.js";
import type { StoreLogger } from "./storeLogger.js";
import { createExperimentStore, type ExperimentStore } from "./experiments.js";
import { createApiKeyStore, type ApiKeyStore } from "./apiKeys.js";
import { createMessageStore, type MessageStore } from "./messages.js";
import { createSessionStore, type SessionStore } from "./sessions.js";
import { createUsageLedger, type UsageLedger } from "./usageLedger.js";
import { createWebhookStore, type WebhookStore } from "./webhookStore.js";
import { createChatJobStore, type ChatJobStore } from "./chatJobs.js";
import { createDocumentStore, type DocumentStore } from "./documents.js";
import { createUsageRollupStore, type UsageRollupStore } from "./usageRollups.js";
import { createRetentionStore, type RetentionStore } from "./retentionStore.js";
import { createRequestBodyStore, type RequestBodyStore } from "./requestBodies.js";
import { migrateToLatest } from "./migrateToLatest.js";
import { parseStoreUrl, type StoreTarget } from "./parseStoreUrl.js";
import { postgresDialect } from "./postgresDialect.js";
import { sqliteDialect } from "./sqliteDialect.js";
import { loadSqliteVec, loadVectorExtension, type VectorExtensionLoader } from "./loadVectorExtension.js";
import { sqliteVectorIndex } from "./sqliteVectorIndex.js";
import { createScanThread } from "./createScanThread.js";
import { createLedgerThread } from "./createLedgerThread.js";
import { postgresVectorIndex } from "./postgresVectorIndex.js";
import { createSemanticCacheStore, type SemanticCacheStore } from "./semanticCacheStore.js";

export interface Store {
  dialect: "sqlite" | "postgres";
  sessions: SessionStore;
  messages: MessageStore;
  experiments: ExperimentStore;
  apiKeys: ApiKeyStore;
  usage: UsageLedger;
  webhooks: WebhookStore;
  chatJobs: ChatJobStore;
  documents: DocumentStore;
  /** Daily usage roll-ups of the ledger. */
  rollups: UsageRollupStore;
  /** Batched removal of expired sessions, messages and ledger rows. */
  retention: RetentionStore;
  /** Logged prompts and answers (requestLog.bodies), by request id. */
  requestBodies: RequestBodyStore;
  /** The semantic cache's entries; undefined on SQLite without its vector extension (nothing to score them with). */
  semanticCache: SemanticCacheStore | undefined;
  /** Connections of the pool (SQLite: its one connection), for the store pool gauges. */
  poolStats(): PoolStats;
  /** Cheap reachability check for readiness probes. Rejects when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  /** Checkouts queued for a free connection. */
  waiting: number;
  max: number;
}

export interface OpenStoreOptions {
  /** Called after every query with its SQL and duration (metrics, slow-query log, spans). */
  onQuery?: (event: LogEvent) => void;
  logger?: StoreLogger;
  /** Epoch-ms clock for timestamps; tests pass a deterministic one. */
  now?: Clock;
  /** PostgreSQL pool settings (SQLite has one connection and ignores them); without them, a small pool for one-shot commands. */
  pool?: StorePoolConfig;
  /** Loads SQLite's vector extension (sqlite-vec by default); when it throws, vector search is off with one warning. */
  loadVectorExtension?: VectorExtensionLoader;
}

// A readiness probe must answer even when a pooled connection hangs on a dead server.
const PING_TIMEOUT_MS = 5_000;

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  let sqliteVectors = false;
  const onSqliteOpen = (database: Parameters<VectorExtensionLoader>[0]) => {
    sqliteVectors = loadVectorExtension(database, options.loadVectorExtension ?? loadSqliteVec, options.logger);
  };
  const { dialect, poolStats } = dialectFor(target, options.logger, options.pool, onSqliteOpen);
  const onQuery = options.onQuery;
  const db = new Kysely<Database>({ dialect, ...(onQuery ? { log: onQuery } : {}) });
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
  // SQLite's one connection opened during the migrations, so whether its extension loaded is known by now.
  const vectors =
    target.dialect === "postgres"
      ? postgresVectorIndex()
      : sqliteVectors
        ? sqliteVectorIndex(target.filename === ":memory:" ? undefined : createScanThread(target.filename))
        : undefined;
  // A SQLite file's ledger rows are written on a thread of their own (reads stay here: a resolved append is
  // committed, so they see it). An in-memory database is this connection's alone, so it writes here.
  // A scan thread of its own: a lookup sits on a request's path and must not queue behind a document search.
  const semanticCache =
    target.dialect === "postgres"
      ? createSemanticCacheStore(db, "postgres")
      : sqliteVectors
        ? createSemanticCacheStore(db, "sqlite", target.filename === ":memory:" ? undefined : createScanThread(target.filename))
        : undefined;
  const ledgerThread = target.dialect === "sqlite" && target.filename !== ":memory:" ? createLedgerThread(target.filename) : undefined;
  const usage = createUsageLedger(db);
  let closing: Promise<void> | undefined;
  return {
    dialect: target.dialect,
    sessions: createSessionStore(db, stores),
    messages: createMessageStore(db, stores),
    experiments: createExperimentStore(db, stores),
    apiKeys: createApiKeyStore(db, stores),
    usage: ledgerThread === undefined ? usage : { ...usage, append: (records) => ledgerThread.append(records) },
    webhooks: createWebhookStore(db, stores),
    chatJobs: createChatJobStore(db, stores),
    documents: createDocumentStore(db, target.dialect, { ...stores, vectors }),
    rollups: createUsageRollupStore(db, target.dialect),
    retention: createRetentionStore(db, target.dialect),
    requestBodies: createRequestBodyStore(db, target.dialect),
    semanticCache,
    poolStats,
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
      // The ledger thread first: the appends it was given commit before anything closes, and once closed it no
      // longer holds the file (a restore right after finds it free).
      closing ??= (async () => {
        await ledgerThread?.close();
        await Promise.all([db.destroy(), vectors?.close?.(), semanticCache?.close()]);
      })();
      return closing;
    },
  };
}

function dialectFor(
  target: StoreTarget,
  logger: StoreLogger | undefined,
  poolSettings: StorePoolConfig | undefined,
  onSqliteOpen: (database: Parameters<VectorExtensionLoader>[0]) => void,
): { dialect: Dialect; poolStats: () => PoolStats } {
  if (target.dialect === "sqlite") {
    // One connection that Kysely serializes every query on: never idle-pooled, never queued in a pool.
    return { dialect: sqliteDialect(target.filename, onSqliteOpen), poolStats: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }) };
  }
  const { dialect, pool } = postgresDialect(target.connectionString, logger, poolSettings);
  return {
    dialect,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
  };
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
