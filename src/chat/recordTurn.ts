/**
 * The session side of one turn: the messages it wrote (the user's, each assistant answer, tool results), kept as
 * they were last written, and the session cache kept in step with them. Writes after the first token cannot
 * become an HTTP error any more: finishing a message logs a failure rather than throwing, and the cache is then
 * dropped rather than refilled, so the next turn reads the store.
 */
import type { Logger } from "../logger.js";
import type { Store } from "../store/openStore.js";
import type { Session } from "../store/sessions.js";
import type { Message, MessagePatch, NewMessage } from "../store/messages.js";
import type { SessionCache } from "./createSessionCache.js";
import { guardStore } from "./guardStore.js";

export interface TurnRecorder {
  /** Writes an assistant message's final state (and the session's engine when it completed); never throws. */
  finish(message: Message, patch: Required<Omit<MessagePatch, "citations">> & Pick<MessagePatch, "citations">): Promise<void>;
  /** Appends messages in one transaction (tool results and the next answer's placeholder); store_unavailable on failure. */
  append(messages: NewMessage[]): Promise<Message[]>;
  /** After the turn: the next turn's window goes to the cache, or the cached copy is dropped when a write failed. */
  refreshCache(): Promise<void>;
}

export interface TurnRecorderDeps {
  store: Store;
  logger: Logger;
  cache: SessionCache | undefined;
  historyWindow: number;
  session: Session;
  userId: string;
  /** The window the turn's prompt was built from. */
  history: readonly Message[];
  /** What the turn wrote before it started: the user's message and the first answer's placeholder. */
  written: readonly Message[];
}

export function createTurnRecorder(deps: TurnRecorderDeps): TurnRecorder {
  const { store, logger, session } = deps;
  const messages = [...deps.written];
  let failed = false;

  return {
    async finish(message, patch) {
      const { content, status, toolCalls, inputTokens, outputTokens, engine, model, ttftMs, latencyMs, errorCode, citations } = patch;
      try {
        await store.messages.finish(message.id, { content, status, toolCalls, inputTokens, outputTokens, engine, model, ttftMs, latencyMs, errorCode, citations });
        if (status === "complete" && engine && model) await store.sessions.setEngine(session.id, engine, model);
        const index = messages.findIndex((item) => item.id === message.id);
        if (index >= 0) messages[index] = { ...message, ...patch, citations: citations === undefined ? message.citations : citations };
      } catch (error) {
        failed = true;
        logger.error({ err: error, sessionId: session.id, messageId: message.id }, "failed to persist the assistant message");
      }
    },
    async append(next) {
      try {
        const appended = await guardStore(() => store.messages.append(session.id, next));
        messages.push(...appended);
        return appended;
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // Another replica's next turn must see these messages, even while this turn is still running.
        await deps.cache?.invalidate(session.id);
      }
    },
    async refreshCache() {
      const cache = deps.cache;
      if (!cache) return;
      const generation = await cache.invalidate(session.id);
      if (generation === undefined || failed) return;
      // The next turn's snapshot is known here (the window plus this turn), so it is written rather than left to the
      // next reader; the session row is read back for its counters, title and timestamps.
      try {
        const fresh = await store.sessions.get(session.id, deps.userId);
        if (!fresh) return;
        const window = deps.historyWindow;
        await cache.fill(session.id, { session: fresh, history: [...deps.history, ...messages], window }, generation);
      } catch (error) {
        logger.debug({ err: error, sessionId: session.id }, "session cache: refreshing after the turn failed");
      }
    },
  };
}
