/**
 * The session chat pipeline: find or create the session, assemble the prompt from its history window, run the
 * engine, and persist both turns. The assistant turn is written first as `incomplete` and finished at the end,
 * so a crash, an abort or an engine failure never loses the user's message or leaves a turn marked complete.
 */
import type { Logger } from "../logger.js";
import type { Store } from "../store/openStore.js";
import type { Session } from "../store/sessions.js";
import type { TargetResolver, Target } from "../engines/resolveTarget.js";
import type { FinishReason, StreamPart, Usage } from "../engines/spec.js";
import { createResponseAccumulator } from "../engines/createResponseAccumulator.js";
import { startStream } from "../engines/startStream.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import { buildPrompt } from "./buildPrompt.js";
import { guardStore } from "./guardStore.js";

export interface SessionChatRequest {
  userId: string;
  message: string;
  sessionId?: string | undefined;
  engine?: string | undefined;
  model?: string | undefined;
  system?: string | undefined;
  projectId?: string | undefined;
  traceId: string;
  signal: AbortSignal;
}

export type SessionEvent =
  | { event: "meta"; data: { sessionId: string; messageId: string; traceId: string; engine: string; model: string } }
  | { event: "token"; data: { text: string } }
  | { event: "done"; data: { usage: Usage | null; finishReason: FinishReason | null; durationMs: number } }
  | { event: "error"; data: { code: string; message: string } };

export interface SessionChatDeps {
  store: Store;
  targets: TargetResolver;
  historyWindow: number;
  defaultEngine: string;
  logger: Logger;
}

export interface SessionChat {
  /**
   * Resolves once the engine produced its first part; rejects (with nothing sent) on bad input or when the
   * engine fails before that. The returned events start with `meta` and end with `done` or `error`.
   */
  start(request: SessionChatRequest): Promise<AsyncIterable<SessionEvent>>;
}

export function createSessionChat(deps: SessionChatDeps): SessionChat {
  const { store, targets, logger } = deps;

  const chooseTarget = (request: SessionChatRequest, session: Session | undefined): Target => {
    if (request.engine !== undefined) return targets.byEngine(request.engine, request.model);
    if (session?.engine && request.model === undefined) {
      // Affinity: keep the engine that served this session while it can still serve it.
      try {
        return targets.byEngine(session.engine, session.model ?? undefined);
      } catch (error) {
        if (!isGatewayError(error)) throw error;
      }
    }
    return targets.byEngine(deps.defaultEngine, request.model);
  };

  return {
    async start(request) {
      const startedAt = performance.now();
      const existing = request.sessionId
        ? await guardStore(() => store.sessions.get(request.sessionId as string, request.userId))
        : undefined;
      if (request.sessionId && !existing) {
        throw new GatewayError("not_found", `session ${request.sessionId} not found`, { param: "sessionId" });
      }
      const target = chooseTarget(request, existing);
      const history = existing ? await guardStore(() => store.messages.recent(existing.id, deps.historyWindow)) : [];
      const prompt = buildPrompt(history, request.message, request.system);

      const session =
        existing ??
        (await guardStore(() =>
          store.sessions.create({
            userId: request.userId,
            projectId: request.projectId ?? null,
            engine: target.engine.name,
            model: target.model,
          }),
        ));
      const [, stored] = await guardStore(() =>
        store.messages.append(session.id, [
          { role: "user", content: request.message, status: "complete", traceId: request.traceId },
          { role: "assistant", content: "", status: "incomplete", traceId: request.traceId, engine: target.engine.name, model: target.model },
        ]),
      );
      if (!stored) throw new GatewayError("internal_error", "the assistant message was not stored");
      const assistant = stored;

      const response = createResponseAccumulator();
      let completed = false;
      let persisted = false;

      // Runs once, whichever way the turn ends: finished, failed, aborted, or abandoned by its consumer.
      const persist = async (): Promise<void> => {
        if (persisted) return;
        persisted = true;
        try {
          const { text, toolCalls, usage } = response.result();
          await store.messages.finish(assistant.id, {
            content: text,
            status: completed ? "complete" : "incomplete",
            toolCalls: toolCalls.length > 0 ? toolCalls : null,
            inputTokens: usage?.inputTokens ?? null,
            outputTokens: usage?.outputTokens ?? null,
            engine: target.engine.name,
            model: target.model,
          });
          if (completed) await store.sessions.setEngine(session.id, target.engine.name, target.model);
        } catch (error) {
          logger.error({ err: error, sessionId: session.id, messageId: assistant.id }, "failed to persist the assistant message");
        }
      };

      let stream: AsyncIterable<StreamPart>;
      try {
        stream = await startStream(target.engine.stream({ model: target.model, messages: prompt }, { signal: request.signal }));
      } catch (error) {
        await persist();
        throw error;
      }

      async function* events(): AsyncGenerator<SessionEvent> {
        try {
          yield {
            event: "meta",
            data: { sessionId: session.id, messageId: assistant.id, traceId: request.traceId, engine: target.engine.name, model: target.model },
          };
          for await (const part of stream) {
            response.add(part);
            if (part.type === "text-delta") yield { event: "token", data: { text: part.text } };
          }
          completed = true;
          await persist();
          const { usage, finishReason } = response.result();
          yield {
            event: "done",
            data: { usage: usage ?? null, finishReason: finishReason ?? null, durationMs: Math.round(performance.now() - startedAt) },
          };
        } catch (error) {
          await persist();
          if (request.signal.aborted || isAbortError(error)) return;
          if (!isGatewayError(error)) logger.error({ err: error, sessionId: session.id }, "session chat stream failed");
          const failure = isGatewayError(error) ? error : new GatewayError("internal_error", "the generation failed");
          yield { event: "error", data: { code: failure.code, message: failure.message } };
        } finally {
          await persist();
        }
      }
      return events();
    },
  };
}
