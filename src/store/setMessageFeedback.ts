/**
 * Feedback is a user's score on an answer they were given. Ownership is checked in the same statement that writes
 * the score, so a message id guessed from someone else's session changes nothing and reads as "not found".
 */
import type { Kysely } from "kysely";
import { GatewayError } from "../errors.js";
import type { Database } from "./schema.js";

export interface FeedbackInput {
  messageId: string;
  userId: string;
  score: number;
  at: number;
}

/** True when the score was stored; false when there is no assistant message of that user's active sessions. */
export async function setMessageFeedback(db: Kysely<Database>, input: FeedbackInput): Promise<boolean> {
  // SQLite would store NaN as NULL and PostgreSQL would keep it, poisoning every mean over it.
  if (!Number.isFinite(input.score)) throw new GatewayError("invalid_request", "score must be a finite number.", { param: "score" });
  const result = await db
    .updateTable("messages")
    .set({ feedback_score: input.score, feedback_at: input.at })
    .where("id", "=", input.messageId)
    .where("role", "=", "assistant")
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("sessions")
          .select("sessions.id")
          .whereRef("sessions.id", "=", "messages.session_id")
          .where("sessions.user_id", "=", input.userId)
          .where("sessions.active", "=", 1),
      ),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
