/**
 * API keys as stored: a hash of the key (never the key), who it belongs to, its role, and the per-key limits and
 * budget. Keys are revoked, not deleted, so a listing still explains which key made an old request.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { ApiKeyRow, Database } from "./schema.js";
import { systemClock, type Clock } from "./clock.js";

export interface ApiKey {
  id: string;
  name: string;
  userId: string;
  role: "user" | "admin";
  /** The key's first characters, for display. */
  prefix: string;
  /** `engine/model` ids, route names or engine names the key may use; null: all. */
  allowedModels: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetWindow: "day" | "month" | "total" | null;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** Highest document access level the key may read; null: 0 (public documents only). */
  accessLevel: number | null;
}

export interface NewApiKey {
  id?: string;
  name: string;
  userId: string;
  role: "user" | "admin";
  keyHash: string;
  prefix: string;
  allowedModels?: readonly string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  budgetUsd?: number | null;
  budgetWindow?: "day" | "month" | "total" | null;
  expiresAt?: number | null;
  accessLevel?: number | null;
}

/** Fields of a key that can change after it is issued; absent: unchanged, null: cleared. */
export interface ApiKeyChanges {
  name?: string;
  allowedModels?: readonly string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  budgetUsd?: number | null;
  budgetWindow?: "day" | "month" | "total" | null;
  expiresAt?: number | null;
  accessLevel?: number | null;
}

export interface ApiKeyStore {
  create(input: NewApiKey): Promise<ApiKey>;
  /** The key with this hash, revoked and expired ones included (the caller decides what they mean). */
  findByHash(keyHash: string): Promise<ApiKey | undefined>;
  /** Every key, revoked ones included, newest first. Hashes never leave the store. */
  list(): Promise<ApiKey[]>;
  /** The keys of one user, revoked ones included, newest first. */
  listByUser(userId: string): Promise<ApiKey[]>;
  /** The key with this id, revoked or not. */
  get(id: string): Promise<ApiKey | undefined>;
  /**
   * Applies the changes to a key that is not revoked and returns it as it now is; undefined when there is no such
   * key or it is revoked (a revoked key stays as it was when revoked). The caller checks that the result makes
   * sense (a budget needs both its amount and its window).
   */
  update(id: string, changes: ApiKeyChanges): Promise<ApiKey | undefined>;
  /** Marks the key revoked; false when there is no such key or it was revoked already. */
  revoke(id: string): Promise<boolean>;
  /**
   * Records a use. Writes at most once a minute per key (per process, and the update itself skips fresher rows
   * from other replicas), so a busy key costs no write per request. Never rejects: a failed write loses a
   * timestamp, not a request.
   */
  touch(id: string): Promise<void>;
}

const TOUCH_INTERVAL_MS = 60_000;

export function createApiKeyStore(db: Kysely<Database>, options: { now?: Clock } = {}): ApiKeyStore {
  const now = options.now ?? systemClock;
  const touched = new Map<string, number>();

  return {
    async create(input) {
      const row: ApiKeyRow = {
        id: input.id ?? randomUUID(),
        name: input.name,
        user_id: input.userId,
        role: input.role,
        key_hash: input.keyHash,
        prefix: input.prefix,
        allowed_models: input.allowedModels ? JSON.stringify(input.allowedModels) : null,
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        budget_usd: input.budgetUsd ?? null,
        budget_window: input.budgetWindow ?? null,
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        created_at: now(),
        last_used_at: null,
        access_level: input.accessLevel ?? null,
      };
      await db.insertInto("api_keys").values(row).execute();
      return toApiKey(row);
    },

    async findByHash(keyHash) {
      const row = await db.selectFrom("api_keys").selectAll().where("key_hash", "=", keyHash).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async list() {
      const rows = await db.selectFrom("api_keys").selectAll().orderBy("created_at", "desc").orderBy("id", "asc").execute();
      return rows.map(toApiKey);
    },

    async listByUser(userId) {
      const rows = await db
        .selectFrom("api_keys")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at", "desc")
        .orderBy("id", "asc")
        .execute();
      return rows.map(toApiKey);
    },

    async get(id) {
      const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async update(id, changes) {
      const set = columnsOf(changes);
      // Nothing to write: the key as it is, if it is still active.
      if (Object.keys(set).length === 0) {
        const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
        return row === undefined ? undefined : toApiKey(row);
      }
      // RETURNING (PostgreSQL, SQLite 3.35+): the row as written, read in the same statement.
      const row = await db.updateTable("api_keys").set(set).where("id", "=", id).where("revoked_at", "is", null).returningAll().executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async revoke(id) {
      const result = await db
        .updateTable("api_keys")
        .set({ revoked_at: now() })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async touch(id) {
      const at = now();
      const last = touched.get(id);
      if (last !== undefined && at - last < TOUCH_INTERVAL_MS) return;
      touched.set(id, at);
      try {
        await db
          .updateTable("api_keys")
          .set({ last_used_at: at })
          .where("id", "=", id)
          .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at - TOUCH_INTERVAL_MS)]))
          .execute();
      } catch {
        // Forget the attempt so the next use tries again.
        touched.delete(id);
      }
    },
  };
}

type ChangeableColumns = Partial<Pick<ApiKeyRow, "name" | "allowed_models" | "rpm" | "tpm" | "budget_usd" | "budget_window" | "expires_at" | "access_level">>;

function columnsOf(changes: ApiKeyChanges): ChangeableColumns {
  const set: ChangeableColumns = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.allowedModels !== undefined) set.allowed_models = changes.allowedModels === null ? null : JSON.stringify(changes.allowedModels);
  if (changes.rpm !== undefined) set.rpm = changes.rpm;
  if (changes.tpm !== undefined) set.tpm = changes.tpm;
  if (changes.budgetUsd !== undefined) set.budget_usd = changes.budgetUsd;
  if (changes.budgetWindow !== undefined) set.budget_window = changes.budgetWindow;
  if (changes.expiresAt !== undefined) set.expires_at = changes.expiresAt;
  if (changes.accessLevel !== undefined) set.access_level = changes.accessLevel;
  return set;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    role: row.role,
    prefix: row.prefix,
    // Written only by this store from a string[]; parsing back needs no further validation.
    allowedModels: row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
    rpm: row.rpm,
    tpm: row.tpm,
    budgetUsd: row.budget_usd,
    budgetWindow: row.budget_window,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    accessLevel: row.access_level,
  };
}
