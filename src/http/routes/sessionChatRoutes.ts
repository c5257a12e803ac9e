import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { SessionChat } from "../../chat/createSessionChat.js";
import type { Store } from "../../store/openStore.js";
import type { Session } from "../../store/sessions.js";
import type { Message } from "../../store/messages.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import type { RequestSignals } from "../requestSignals.js";
import { openSseStream } from "../sseStream.js";
import { hijackHeaders } from "../security/hijackHeaders.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";
import { MAX_EXPAND_DEPTH } from "../../documents/searchDocuments.js";

const uuid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

const streamBody = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: 200_000 }),
    sessionId: Type.Optional(Type.String({ pattern: uuid, description: "Continue this session; without it a session is created" })),
    engine: Type.Optional(Type.String({ minLength: 1, description: "`auto`, an engine or a route; `chat.defaultEngine` when absent" })),
    model: Type.Optional(Type.String({ minLength: 1 })),
    system: Type.Optional(Type.String({ maxLength: 100_000 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: "Most tokens the answer may have (per model call of the turn)" })),
    projectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    rag: Type.Optional(
      Type.Union(
        [
          Type.Boolean(),
          Type.Object(
            {
              topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: "Sources retrieved at most; default 5" })),
              threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "Least score relative to the best match; default 0" })),
              expand: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_EXPAND_DEPTH, description: "Steps of references to follow; default 0" })),
            },
            { additionalProperties: false },
          ),
        ],
        { description: "Retrieve sources from the project's documents into the prompt (needs projectId here or on the session)" },
      ),
    ),
    tools: Type.Optional(
      Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })], {
        description: "Server-side tools offered to the model: true for every enabled tool, or their names",
      }),
    ),
  },
  { additionalProperties: false },
);

const sessionParams = Type.Object({ id: Type.String() }, { additionalProperties: false });

const streamSchema = {
  tags: ["chat"],
  summary: "Send a message and stream the answer",
  description:
    "Server-sent events: `meta` `{sessionId, messageId, traceId, engine, model}`, with `rag` then `citations` `{citations: " +
    "[{n, documentId, title, chunkId, score, headingPath, excerpt}]}`, then `token` `{text}` (many) and, with `tools`, a " +
    "`tool` event `{id, name, arguments, result | error, durationMs, step}` per tool call, then `done` " +
    "`{usage, finishReason, durationMs, messageId, steps}` or `error` `{code, message}`. A failure before the first token is an ordinary JSON " +
    "error response with its status code.",
  body: streamBody,
};
const listSchema = {
  tags: ["chat"],
  summary: "List your sessions",
  description: "Active sessions, newest first: `{data, nextCursor}`.",
  querystring: pageQuery,
};
const messagesSchema = {
  tags: ["chat"],
  summary: "List a session's messages",
  description: "Oldest first, with status, usage, engine, model, trace id, tool calls and citations: `{data, nextCursor}`.",
  params: sessionParams,
  querystring: pageQuery,
};
const deleteSchema = { tags: ["chat"], summary: "Deactivate a session", description: "Answers 204.", params: sessionParams };

export interface SessionChatRouteDeps {
  chat: SessionChat;
  store: Store;
  signals: RequestSignals;
  /** A turn's stream that has sent nothing for this long gets a keepalive comment (tools.streamKeepaliveMs). */
  keepaliveMs: number;
}

export function sessionChatRoutes(app: FastifyInstance, deps: SessionChatRouteDeps): void {
  app.post("/api/v2/chat/stream", { config: { policy: "user", routeClass: "chat" }, schema: streamSchema }, async (request, reply) => {
    const body = request.body as Static<typeof streamBody>;
    const signal = deps.signals.signalFor(request.raw, reply.raw);
    const events = await deps.chat.start({
      ...body,
      userId: request.userId,
      principal: request.principal,
      requestId: request.id,
      traceId: request.traceId,
      traceparent: request.traceparent,
      signal,
      timing: request.observed,
    });
    reply.hijack();
    const sse = openSseStream(reply.raw, { "x-trace-id": request.traceId }, hijackHeaders(reply));
    // A slow first token or a tool that takes its time leaves the stream silent: proxies close idle connections.
    let sentAt = performance.now();
    const beat = setInterval(() => {
      if (performance.now() - sentAt < deps.keepaliveMs) return;
      sse.comment("keepalive");
      sentAt = performance.now();
    }, deps.keepaliveMs);
    try {
      for await (const { event, data } of events) {
        sentAt = performance.now();
        if (!(await sse.send(JSON.stringify(data), event))) break;
      }
    } finally {
      clearInterval(beat);
      sse.end();
    }
  });

  app.get("/api/v2/chat/sessions", { config: { policy: "user" }, schema: listSchema }, async (request) => {
    const page = parsePageQuery(request.query as Static<typeof pageQuery>);
    const result = await guardStore(() => deps.store.sessions.list(request.userId, page));
    return { data: result.items.map(sessionView), nextCursor: result.nextCursor };
  });

  app.get("/api/v2/chat/sessions/:id/messages", { config: { policy: "user" }, schema: messagesSchema }, async (request) => {
    const { id } = request.params as Static<typeof sessionParams>;
    const page = parsePageQuery(request.query as Static<typeof pageQuery>);
    const session = await guardStore(() => deps.store.sessions.get(id, request.userId));
    if (!session) throw new GatewayError("not_found", `session ${id} not found`);
    const result = await guardStore(() => deps.store.messages.list(id, page));
    return { data: result.items.map(messageView), nextCursor: result.nextCursor };
  });

  app.delete("/api/v2/chat/sessions/:id", { config: { policy: "user" }, schema: deleteSchema }, async (request, reply) => {
    const { id } = request.params as Static<typeof sessionParams>;
    const removed = await deps.chat.remove(id, request.userId);
    if (!removed) throw new GatewayError("not_found", `session ${id} not found`);
    return reply.code(204).send();
  });
}

function sessionView(session: Session) {
  return {
    id: session.id,
    title: session.title,
    projectId: session.projectId,
    engine: session.engine,
    model: session.model,
    messageCount: session.messageCount,
    createdAt: new Date(session.createdAt).toISOString(),
    updatedAt: new Date(session.updatedAt).toISOString(),
  };
}

function messageView(message: Message) {
  return {
    id: message.id,
    seq: message.seq,
    role: message.role,
    content: message.content,
    toolCalls: message.toolCalls,
    toolCallId: message.toolCallId,
    engine: message.engine,
    model: message.model,
    traceId: message.traceId,
    usage: message.inputTokens === null && message.outputTokens === null ? null : { inputTokens: message.inputTokens, outputTokens: message.outputTokens },
    status: message.status,
    citations: message.citations,
    createdAt: new Date(message.createdAt).toISOString(),
  };
}
