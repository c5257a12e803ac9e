/**
 * The record of each asynchronous chat job: who asked, what, and how it ended. It lives in the store, not the
 * queue, so any replica answers `GET /api/v2/chat/jobs/:id` and the record outlives restarts and queue trimming.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Principal } from "../auth/principal.js";
import type { Database } from "./schema.js";
import type { ChatJobRow, ChatJobStatus } from "./chatJobsTable.js";
import { systemClock, type Clock } from "./clock.js";

export type { ChatJobStatus };

export interface ChatJobError {
  code: string;
  message: string;
}

export interface ChatJob {
  id: string;
  userId: string;
  keyId: string | null;
  principal: Principal;
  request: Record<string, unknown>;
  status: ChatJobStatus;
  result: Record<string, unknown> | null;
  error: ChatJobError | null;
  traceId: string;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

export interface ChatJobStore {
  create(input: { principal: Principal; request: Record<string, unknown>; traceId: string }): Promise<ChatJob>;
  get(id: string): Promise<ChatJob | undefined>;
  /** Marks the job running from now (also a retry of a failed one: its error is cleared). */
  markRunning(id: string): Promise<void>;
  complete(id: string, result: Record<string, unknown>): Promise<void>;
  /** Fails the job unless it already completed; false when nothing changed. */
  fail(id: string, error: ChatJobError): Promise<boolean>;
  /** Ids of jobs in a status, oldest first. */
  idsWithStatus(status: ChatJobStatus, limit: number): Promise<string[]>;
}

export function createChatJobStore(db: Kysely<Database>, options: { now?: Clock | undefined } = {}): ChatJobStore {
  const now = options.now ?? systemClock;
  return {
    async create(input) {
      const row: ChatJobRow = {
        id: randomUUID(),
        user_id: input.principal.userId,
        key_id: input.principal.keyId ?? null,
        principal: JSON.stringify(input.principal),
        request: JSON.stringify(input.request),
        status: "queued",
        result: null,
        error_code: null,
        error_message: null,
        trace_id: input.traceId,
        created_at: now(),
        started_at: null,
        completed_at: null,
      };
      await db.insertInto("chat_jobs").values(row).execute();
      return toChatJob(row);
    },
    async get(id) {
      const row = await db.selectFrom("chat_jobs").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toChatJob(row);
    },
    async markRunning(id) {
      await db
        .updateTable("chat_jobs")
        .set({ status: "running", started_at: now(), completed_at: null, error_code: null, error_message: null })
        .where("id", "=", id)
        .execute();
    },
    async complete(id, result) {
      await db
        .updateTable("chat_jobs")
        .set({ status: "completed", result: JSON.stringify(result), completed_at: now(), error_code: null, error_message: null })
        .where("id", "=", id)
        .execute();
    },
    async fail(id, error) {
      const updated = await db
        .updateTable("chat_jobs")
        .set({ status: "failed", error_code: error.code, error_message: error.message.slice(0, 1000), completed_at: now() })
        .where("id", "=", id)
        .where("status", "!=", "completed")
        .executeTakeFirst();
      return updated.numUpdatedRows > 0n;
    },
    async idsWithStatus(status, limit) {
      const rows = await db.selectFrom("chat_jobs").select("id").where("status", "=", status).orderBy("created_at", "asc").limit(limit).execute();
      return rows.map((row) => row.id);
    },
  };
}

function toChatJob(row: ChatJobRow): ChatJob {
  return {
    id: row.id,
    userId: row.user_id,
    keyId: row.key_id,
    // Written only by this store, from these types.
    principal: JSON.parse(row.principal) as Principal,
    request: JSON.parse(row.request) as Record<string, unknown>,
    status: row.status,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
    traceId: row.trace_id,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
  };
}
