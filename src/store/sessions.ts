/**
 * Chat sessions: who owns them, what they are called, which engine served them. Sessions are never deleted by
 * users, only deactivated, so history stays intact for audits and retention jobs.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, SessionRow } from "./schema.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { systemClock, type Clock } from "./clock.js";

export interface Session {
  id: string;
  userId: string;
  projectId: string | null;
  title: string | null;
  engine: string | null;
  model: string | null;
  messageCount: number;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewSession {
  /** Chosen by the caller when something (an A/B assignment) must know it before the row exists. */
  id?: string;
  userId: string;
  projectId?: string | null;
  title?: string | null;
  engine?: string | null;
  model?: string | null;
}

export interface SessionPage {
  items: Session[];
  nextCursor: string | null;
}

export interface SessionStore {
  create(input: NewSession): Promise<Session>;
  /** An active session owned by userId, or undefined (missing, someone else's, or deactivated). */
  get(id: string, userId: string): Promise<Session | undefined>;
  /** Active sessions of userId, newest (updatedAt) first; keyset pagination with an opaque cursor. */
  list(userId: string, page: { limit: number; cursor?: string | undefined }): Promise<SessionPage>;
  /** Remembers which engine/model served the session (affinity). */
  setEngine(id: string, engine: string, model: string): Promise<void>;
  /** Marks inactive; returns false when there was no active session of that user. */
  deactivate(id: string, userId: string): Promise<boolean>;
}

const CURSOR_KIND = "session";
type SessionKey = readonly [updatedAt: number, id: string];

const isSessionKey = (parts: readonly unknown[]): parts is SessionKey =>
  parts.length === 2 && Number.isSafeInteger(parts[0]) && typeof parts[1] === "string";

export function createSessionStore(db: Kysely<Database>, options: { now?: Clock } = {}): SessionStore {
  const now = options.now ?? systemClock;

  return {
    async create(input) {
      const at = now();
      const row: SessionRow = {
        id: input.id ?? randomUUID(),
        user_id: input.userId,
        project_id: input.projectId ?? null,
        title: input.title ?? null,
        engine: input.engine ?? null,
        model: input.model ?? null,
        message_count: 0,
        active: 1,
        created_at: at,
        updated_at: at,
      };
      await db.insertInto("sessions").values(row).execute();
      return toSession(row);
    },

    async get(id, userId) {
      const row = await db
        .selectFrom("sessions")
        .selectAll()
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("active", "=", 1)
        .executeTakeFirst();
      return row === undefined ? undefined : toSession(row);
    },

    async list(userId, page) {
      assertLimit(page.limit, 1);
      const after = page.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, page.cursor, isSessionKey);
      let query = db.selectFrom("sessions").selectAll().where("user_id", "=", userId).where("active", "=", 1);
      if (after !== undefined) {
        const [updatedAt, id] = after;
        // The plain bound is implied by the OR, but planners only turn it into an index range start, so later
        // pages seek instead of walking the index from the newest row.
        query = query
          .where("updated_at", "<=", updatedAt)
          .where((eb) => eb.or([eb("updated_at", "<", updatedAt), eb.and([eb("updated_at", "=", updatedAt), eb("id", ">", id)])]));
      }
      // Order matches the index (updated_at desc, id asc); id breaks ties so no row is skipped or repeated.
      const rows = await query
        .orderBy("updated_at", "desc")
        .orderBy("id", "asc")
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, toSession, CURSOR_KIND, (session) => [session.updatedAt, session.id]);
    },

    async setEngine(id, engine, model) {
      // Affinity is bookkeeping, not activity: updated_at (the list order) stays put.
      await db.updateTable("sessions").set({ engine, model }).where("id", "=", id).execute();
    },

    async deactivate(id, userId) {
      const result = await db
        .updateTable("sessions")
        .set({ active: 0, updated_at: now() })
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("active", "=", 1)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    projectId: row.project_id,
    title: row.title,
    engine: row.engine,
    model: row.model,
    messageCount: row.message_count,
    active: row.active === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
