/**
 * The semantic cache's entries (migration 014): a request's unit embedding under its scope hash, with the answer it
 * got. A lookup is an exact scan over the newest live entries of one scope — the scope is what makes it small, the
 * candidate limit what bounds it when one scope grows large — scored in the database by the same means document
 * vectors are (sqlite-vec's distance on SQLite, on the scan thread for a file; the SQL dot product on PostgreSQL),
 * each dialect's query in a file of its own. Expired entries never match; the purge removes them in batches.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { ScanThread } from "./createScanThread.js";
import { sqliteSemanticSearch } from "./sqliteSemanticSearch.js";
import { postgresSemanticSearch } from "./postgresSemanticSearch.js";

export interface SemanticCacheRecord {
  scope: string;
  /** The embedding target that made the vector. */
  embeddingModel: string;
  /** Unit length. */
  vector: Float32Array;
  tenant: string;
  route: string;
  keyId?: string | undefined;
  /** The `engine/model` that produced the answer. */
  model: string;
  /** JSON text of the collected response. */
  answer: string;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
}

export interface SemanticNearestQuery {
  scope: string;
  embeddingModel: string;
  /** Unit length. */
  vector: Float32Array;
  /** Epoch ms: entries expiring at or before it are not compared. */
  now: number;
  /** Only the newest this many live entries of the scope are compared. */
  maxCandidates: number;
}

export interface SemanticMatch {
  id: number;
  /** Cosine similarity with the query, -1..1. */
  similarity: number;
  model: string;
  answer: string;
  expiresAt: number;
}

/** Entries of the tenant, of the route or answering model, or stored through the key: the union of what is named. */
export interface SemanticInvalidation {
  tenant?: string | undefined;
  model?: string | undefined;
  keyId?: string | undefined;
}

export interface SemanticCacheStore {
  readonly backend: "sqlite-vec" | "postgres-exact";
  /** The most similar candidate (ties: the newest), whatever its similarity; undefined when the scope has none. */
  nearest(query: SemanticNearestQuery): Promise<SemanticMatch | undefined>;
  put(record: SemanticCacheRecord): Promise<void>;
  /** Deletes the entries named (see SemanticInvalidation); returns how many. Nothing named deletes nothing. */
  invalidate(target: SemanticInvalidation): Promise<number>;
  /** Deletes up to `limit` entries expired at `now`, the oldest first; returns how many. */
  purgeExpired(now: number, limit: number): Promise<number>;
  /** Ends the scan thread, when there is one. */
  close(): Promise<void>;
}

/** The dialect's half: how a vector is written, and the scan. */
export interface SemanticSearch {
  readonly backend: SemanticCacheStore["backend"];
  encode(vector: Float32Array): Buffer | number[];
  nearest(db: Kysely<Database>, query: SemanticNearestQuery): Promise<SemanticMatch | undefined>;
  close(): Promise<void>;
}

export function createSemanticCacheStore(db: Kysely<Database>, dialect: "sqlite" | "postgres", scan?: ScanThread): SemanticCacheStore {
  const search = dialect === "postgres" ? postgresSemanticSearch() : sqliteSemanticSearch(scan);
  return {
    backend: search.backend,
    nearest: (query) => search.nearest(db, query),

    async put(record) {
      await db
        .insertInto("semantic_cache")
        .values({
          scope: record.scope,
          embedding_model: record.embeddingModel,
          dims: record.vector.length,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          embedding: search.encode(record.vector),
          tenant: record.tenant,
          route: record.route,
          key_id: record.keyId ?? null,
          model: record.model,
          answer: record.answer,
        })
        .execute();
    },

    async invalidate(target) {
      if (target.tenant === undefined && target.model === undefined && target.keyId === undefined) return 0;
      const result = await db
        .deleteFrom("semantic_cache")
        .where((eb) => {
          const named = [];
          if (target.tenant !== undefined) named.push(eb("tenant", "=", target.tenant));
          // A model as clients name it is a route for the semantic cache (its scope), or the engine/model that answered.
          if (target.model !== undefined) named.push(eb("route", "=", target.model), eb("model", "=", target.model));
          if (target.keyId !== undefined) named.push(eb("key_id", "=", target.keyId));
          return eb.or(named);
        })
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async purgeExpired(now, limit) {
      const result = await db
        .deleteFrom("semantic_cache")
        .where("id", "in", (eb) => eb.selectFrom("semantic_cache").select("id").where("expires_at", "<=", now).orderBy("expires_at").limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    close: () => search.close(),
  };
}
