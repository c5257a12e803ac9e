/**
 * `POST /api/v2/chat/feedback`: a user's score for an answer they received. Scores are any number from -10 to 10
 * so a client can send thumbs (-1 / 1) or stars (1 to 5); keep to one scale per deployment, since experiment
 * results average them. A later score for the same message replaces the earlier one.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { Store } from "../../store/openStore.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";

export const FEEDBACK_SCORE_MIN = -10;
export const FEEDBACK_SCORE_MAX = 10;

const feedbackBody = Type.Object(
  {
    messageId: Type.String({ minLength: 1, maxLength: 100, description: "An assistant message in one of your sessions" }),
    score: Type.Number({ minimum: FEEDBACK_SCORE_MIN, maximum: FEEDBACK_SCORE_MAX, description: "Thumbs (-1 or 1) or stars (1 to 5)" }),
  },
  { additionalProperties: false },
);

const feedbackSchema = {
  tags: ["chat", "ab"],
  summary: "Score an answer",
  description: "Answers 204; a later score replaces the earlier one. Experiment results average the scores.",
  body: feedbackBody,
};

export interface FeedbackRouteDeps {
  store: Store;
}

export function feedbackRoute(app: FastifyInstance, deps: FeedbackRouteDeps): void {
  app.post("/api/v2/chat/feedback", { config: { policy: "user" }, schema: feedbackSchema }, async (request, reply) => {
    const { messageId, score } = request.body as Static<typeof feedbackBody>;
    const stored = await guardStore(() => deps.store.messages.setFeedback(messageId, request.userId, score));
    // Someone else's message reads exactly like a missing one: ids must not be probeable.
    if (!stored) throw new GatewayError("not_found", `message ${messageId} not found`, { param: "messageId" });
    return reply.code(204).send();
  });
}
