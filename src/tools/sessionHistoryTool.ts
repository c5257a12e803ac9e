/**
 * Built-in `get_session_history`: the recent messages of the session the turn belongs to (always the caller's
 * own: the tool takes no session id), for a model whose prompt holds only the last few.
 */
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import type { MessageStore } from "../store/messages.js";
import type { ServerTool } from "./serverTool.js";

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;
/** Characters of each message's content returned: enough to recall it, not to flood the prompt. */
const CONTENT_CHARS = 2000;

export function sessionHistoryTool(messages: Pick<MessageStore, "recent">): ServerTool {
  return {
    name: "get_session_history",
    sessionBound: true,
    description:
      "The most recent messages of this conversation, oldest first: role, content (long ones shortened), time, and the " +
      "names of tools an assistant message called.",
    parameters: {
      type: "object",
      properties: { limit: { type: "integer", minimum: 1, maximum: MAX_LIMIT, description: `How many messages (default ${DEFAULT_LIMIT}).` } },
      additionalProperties: false,
    },
    async run(args, context) {
      const limit = typeof args.limit === "number" ? args.limit : DEFAULT_LIMIT;
      context.signal.throwIfAborted();
      try {
        // Twice the limit: the turn's own unfinished answer and failed answers are left out below.
        const recent = await messages.recent(context.sessionId, Math.min(limit * 2, MAX_LIMIT * 2));
        return recent
          .filter((message) => message.status === "complete")
          .slice(-limit)
          .map((message) => ({
            role: message.role,
            content: Array.from(message.content).slice(0, CONTENT_CHARS).join(""),
            createdAt: new Date(message.createdAt).toISOString(),
            ...(message.toolCalls ? { toolCalls: message.toolCalls.map((call) => call.function.name) } : {}),
          }));
      } catch (error) {
        if (isAbortError(error) || isGatewayError(error)) throw error;
        throw new GatewayError("store_unavailable", "the session history is unavailable right now", { cause: error });
      }
    },
  };
}
