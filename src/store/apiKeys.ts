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

export interface ApiKeyStore {
  create(input: NewApiKey): Promise<ApiKey>;
  /** The key with this hash, revoked and expired ones included (the caller decides what they mean). */
  findByHash(keyHash: string): Promise<ApiKey | undefined>;
  /** Every key, revoked ones included, newest first. Hashes never leave the store. */
  list(): Promise<ApiKey[]>;
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
