/**
 * The history of a session, one row per message, numbered by `seq` (1-based, gapless, unique per session).
 * Appends are the only writer of seq and message_count, which keeps message_count equal to the highest seq.
 */
import type { Kysely } from "kysely";
import type { ToolCall } from "../engines/spec.js";
import { GatewayError } from "../errors.js";
import type { Database } from "./schema.js";
import { serializeCitations, serializeToolCalls, toMessage, toMessageRow } from "./messageRows.js";
import { setMessageFeedback } from "./setMessageFeedback.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { systemClock, type Clock } from "./clock.js";

export type MessageStatus = "complete" | "incomplete";

/** A retrieved source the answer's prompt carried, numbered as the prompt numbered it ([1], [2], …). */
export interface Citation {
  n: number;
  documentId: string;
  title: string;
  /** The chunk retrieved; null for a document reached through references, which contributes its excerpt. */
  chunkId: number | null;
  score: number;
  headingPath: string;
  excerpt: string;
}

export interface Message {
  id: string;
  sessionId: string;
  seq: number;
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  toolCalls: ToolCall[] | null;
  toolCallId: string | null;
  engine: string | null;
  model: string | null;
  traceId: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  status: MessageStatus;
  createdAt: number;
  ttftMs: number | null;
  latencyMs: number | null;
  /** Why the engine failed (a GatewayError code); null when it completed or the client went away. */
  errorCode: string | null;
  experimentId: string | null;
  variant: string | null;
  feedbackScore: number | null;
  /** Sources retrieval put into the prompt of this answer (session chat with `rag`); null without retrieval. */
  citations: Citation[] | null;
}

/** Set by the store (identity, order, time) or only later, by finish() and setFeedback(). */
type AssignedLater = "id" | "sessionId" | "seq" | "createdAt" | "ttftMs" | "latencyMs" | "errorCode" | "feedbackScore";
type OptionalOnAppend =
  | "toolCalls"
  | "toolCallId"
  | "engine"
  | "model"
  | "traceId"
  | "inputTokens"
  | "outputTokens"
  | "experimentId"
  | "variant"
  | "citations";

export type NewMessage = Omit<Message, AssignedLater | OptionalOnAppend> & Partial<Pick<Message, OptionalOnAppend>>;

export interface MessagePatch {
  content: string;
  status: MessageStatus;
  toolCalls?: ToolCall[] | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  engine?: string | null;
  model?: string | null;
  ttftMs?: number | null;
  latencyMs?: number | null;
  errorCode?: string | null;
  citations?: Citation[] | null;
}

export interface MessagePage {
  items: Message[];
  nextCursor: string | null;
}

export interface MessageStore {
  /** Appends in one transaction: assigns ids and consecutive seq numbers, bumps the session's message_count and updated_at (and sets its title from the first user message when it has none, first 80 chars). */
  append(sessionId: string, messages: NewMessage[]): Promise<Message[]>;
  /** Finalises a message written earlier (e.g. the assistant placeholder): content, status, tool calls, token counts, engine/model. */
  finish(id: string, patch: MessagePatch): Promise<void>;
  /** The last `limit` messages of the session in chronological order (limit 0 → []). */
  recent(sessionId: string, limit: number): Promise<Message[]>;
  /** Chronological (oldest first) keyset page. */
  list(sessionId: string, page: { limit: number; cursor?: string | undefined }): Promise<MessagePage>;
  /**
   * Records a user's score for an assistant message in one of their active sessions (a later score replaces an
   * earlier one). False when there is no such message: missing, not an assistant's, someone else's, or deactivated.
   */
  setFeedback(messageId: string, userId: string, score: number): Promise<boolean>;
}

const TITLE_LENGTH = 80;
// Bounds each INSERT well under SQLite's bound-parameter limit and keeps every synchronous call short.
const INSERT_CHUNK = 100;
const CURSOR_KIND = "message";
type MessageKey = readonly [seq: number];

const isMessageKey = (parts: readonly unknown[]): parts is MessageKey =>
  parts.length === 1 && Number.isSafeInteger(parts[0]);

export function createMessageStore(db: Kysely<Database>, options: { now?: Clock } = {}): MessageStore {
  const now = options.now ?? systemClock;

  return {
    async append(sessionId, messages) {
      if (messages.length === 0) return [];
      const at = now();
      const title = titleFrom(messages);
      return db.transaction().execute(async (trx) => {
        // Bumping the counter first takes the session's row lock on PostgreSQL (as SELECT ... FOR UPDATE would), so
        // racing appends queue here and each reads the count the previous one committed. SQLite runs one
        // transaction at a time on its single connection, so the same statement is enough there.
        const bumped = await trx
          .updateTable("sessions")
          .set((eb) => ({
            message_count: eb("message_count", "+", messages.length),
            updated_at: at,
            title: eb.fn.coalesce("title", eb.val(title)),
          }))
          .where("id", "=", sessionId)
          .where("active", "=", 1)
          .returning("message_count")
          .executeTakeFirst();
        if (bumped === undefined) throw new GatewayError("not_found", "The session does not exist.");

        const firstSeq = bumped.message_count - messages.length + 1;
        const rows = messages.map((message, index) => toMessageRow(message, sessionId, firstSeq + index, at));
        for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
          await trx.insertInto("messages").values(rows.slice(start, start + INSERT_CHUNK)).execute();
        }
        return rows.map(toMessage);
      });
    },

    async finish(id, patch) {
      // Undefined fields are left as they are (Kysely skips undefined values); null clears them.
      const result = await db
        .updateTable("messages")
        .set({
          content: patch.content,
          status: patch.status,
          tool_calls: patch.toolCalls === undefined ? undefined : serializeToolCalls(patch.toolCalls),
          input_tokens: patch.inputTokens,
          output_tokens: patch.outputTokens,
          engine: patch.engine,
          model: patch.model,
          ttft_ms: patch.ttftMs,
          latency_ms: patch.latencyMs,
          error_code: patch.errorCode,
          citations: patch.citations === undefined ? undefined : serializeCitations(patch.citations),
        })
        .where("id", "=", id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new GatewayError("not_found", "The message does not exist.");
    },

    async recent(sessionId, limit) {
      assertLimit(limit, 0);
      if (limit === 0) return [];
      const rows = await db
        .selectFrom("messages")
        .selectAll()
        .where("session_id", "=", sessionId)
        .orderBy("seq", "desc")
        .limit(limit)
        .execute();
      return rows.reverse().map(toMessage);
    },

    async list(sessionId, page) {
      assertLimit(page.limit, 1);
      const afterSeq = page.cursor === undefined ? 0 : decodeCursor(CURSOR_KIND, page.cursor, isMessageKey)[0];
      const rows = await db
        .selectFrom("messages")
        .selectAll()
        .where("session_id", "=", sessionId)
        .where("seq", ">", afterSeq)
        .orderBy("seq", "asc")
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, toMessage, CURSOR_KIND, (message) => [message.seq]);
    },

    setFeedback(messageId, userId, score) {
      return setMessageFeedback(db, { messageId, userId, score, at: now() });
    },
  };
}

/** The first user message with some text, whitespace collapsed, cut to TITLE_LENGTH characters (not UTF-16 units). */
function titleFrom(messages: readonly NewMessage[]): string | null {
  for (const message of messages) {
    if (message.role !== "user") continue;
    const text = message.content.replace(/\s+/g, " ").trim();
    if (text !== "") return Array.from(text).slice(0, TITLE_LENGTH).join("");
  }
  return null;
}
