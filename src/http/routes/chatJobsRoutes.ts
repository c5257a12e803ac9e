/**
 * Asynchronous chat (`/api/v2/chat/jobs`): submit a chat-completions body and poll for the answer, for long
 * generations and batch work that should not hold a connection open. Jobs belong to the user who submitted them.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { Router } from "../../routing/createRouter.js";
import type { ChatJobs } from "../../chat/defineChatJobs.js";
import { chatJobView } from "../../chat/defineChatJobs.js";
import type { ChatJobStore } from "../../store/chatJobs.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { chatCompletionBody, type ChatCompletionBody } from "../../apis/openai/chatCompletionSchema.js";
import { toChatRequest } from "../../apis/openai/toChatRequest.js";
import type { ServerToolLoop } from "../../completions/createServerToolLoop.js";
import type { RequestSignals } from "../requestSignals.js";

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

const submitSchema = {
  tags: ["chat"],
  summary: "Queue a chat completion",
  description:
    "Takes a `POST /v1/chat/completions` body (not streamed: `stream: true` is a 400) and answers 202 `{id, status: \"queued\"}` at " +
    "once. The generation goes through the same routing, limits, budgets, usage ledger and response cache; poll " +
    "`GET /api/v2/chat/jobs/{id}`, or subscribe a webhook to `chat.job.completed` / `chat.job.failed`.",
  body: chatCompletionBody,
};
const getSchema = {
  tags: ["chat"],
  summary: "A queued chat completion's status and result",
  description:
    "`{id, status: queued|running|completed|failed, result? (the chat.completion), error? {code, message}, createdAt, startedAt, " +
    "completedAt}`. Only the user who queued it sees it; anyone else gets 404.",
  params: idParams,
};

export interface ChatJobsRouteDeps {
  router(): Router;
  chatJobs: ChatJobs;
  store: ChatJobStore;
  /** The server-tool loop the job will run on a route with `serverTools`: its refusals are checked at submission. */
  serverTools?: ServerToolLoop | undefined;
  signals: RequestSignals;
}

export function chatJobsRoutes(app: FastifyInstance, deps: ChatJobsRouteDeps): void {
  app.post("/api/v2/chat/jobs", { config: { policy: "user", routeClass: "chat" }, schema: submitSchema }, async (request, reply) => {
    const body = request.body as ChatCompletionBody;
    if (body.stream === true) throw new GatewayError("invalid_request", "a queued completion is not streamed; leave stream out or false", { param: "stream" });
    // What would fail at once in the job is refused now, while the client is still there to hear it.
    const chatRequest = toChatRequest(body);
    deps.router().planForModel(body.model);
    await deps.serverTools?.checkTools(body.model, { principal: request.principal, tools: chatRequest.tools, signal: deps.signals.signalFor(request.raw, reply.raw) });
    const job = await guardStore(() => deps.chatJobs.submit({ principal: request.principal, request: { ...body }, traceId: request.traceId }));
    return reply.code(202).header("location", `/api/v2/chat/jobs/${job.id}`).send({ id: job.id, status: job.status });
  });

  app.get("/api/v2/chat/jobs/:id", { config: { policy: "user" }, schema: getSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const job = await guardStore(() => deps.store.get(id));
    // Someone else's job is as absent as one that never was: ids are not for probing.
    if (!job || job.userId !== request.principal.userId) throw new GatewayError("not_found", "no such chat job");
    return chatJobView(job);
  });
}
