/**
 * One request of the log: `GET /api/v2/admin/requests/:requestId` (anyone's) and `GET /api/v2/requests/:requestId`
 * (the caller's own; another user's is not found). The ledger row, as the usage listing shows it, and the prompt
 * and answer when the operator logs bodies (requestLog.bodies).
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { UsageLedger } from "../../store/usageLedger.js";
import type { RequestBodyRecord, RequestBodyStore } from "../../store/requestBodies.js";
import type { ToolCall } from "../../engines/spec.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { usageView } from "./usageView.js";

const params = Type.Object({ requestId: Type.String({ minLength: 1, maxLength: 200, description: "The requestId of a usage row" }) }, { additionalProperties: false });

const answerShape =
  "`{request, bodies, bodiesLogged}`: `request` is the usage row (as in the usage listing); `bodies` is " +
  "`{request, answer, toolCalls, truncated}` — the prompt as JSON (its text, cut, when `truncated`), the answer text and its tool calls, " +
  "scrubbed of credentials and cut to `requestLog.maxChars` — or null when none were logged; `bodiesLogged` says whether the gateway logs bodies now.";
const ownSchema = { tags: ["usage"], summary: "One of your requests", description: `One of your own requests: ${answerShape} Another user's request is not found.`, params };
const adminSchema = { tags: ["usage"], summary: "Any request", description: `Any request: ${answerShape}`, params };

export interface RequestDetailRouteDeps {
  usage: UsageLedger;
  bodies: RequestBodyStore;
  /** Whether requestLog.bodies is on. */
  bodiesLogged: boolean;
  /** Writes this replica's buffered ledger rows and bodies first, so a caller finds the request it just made. */
  flush(): Promise<void>;
}

export function requestDetailRoutes(app: FastifyInstance, deps: RequestDetailRouteDeps): void {
  const answer = async (requestId: string, userId: string | undefined) => {
    await deps.flush();
    const [rows, bodies] = await guardStore(() => Promise.all([deps.usage.list({ requestId, userId }, { limit: 1 }), deps.bodies.find(requestId)]));
    const row = rows.items[0];
    if (row === undefined) throw new GatewayError("not_found", `no request ${requestId}`, { param: "requestId" });
    return { request: usageView(row), bodies: bodies === undefined ? null : bodiesView(bodies), bodiesLogged: deps.bodiesLogged };
  };

  app.get("/api/v2/requests/:requestId", { config: { policy: "user" }, schema: ownSchema }, async (request) => {
    const { requestId } = request.params as Static<typeof params>;
    return answer(requestId, request.principal.userId);
  });

  app.get("/api/v2/admin/requests/:requestId", { config: { policy: "admin" }, schema: adminSchema }, async (request) => {
    const { requestId } = request.params as Static<typeof params>;
    return answer(requestId, undefined);
  });
}

function bodiesView(record: RequestBodyRecord): { request: unknown; answer: string; toolCalls: ToolCall[]; truncated: boolean } {
  return {
    request: parsedOr(record.request),
    answer: record.answer,
    toolCalls: record.toolCalls === null ? [] : (JSON.parse(record.toolCalls) as ToolCall[]),
    truncated: record.truncated,
  };
}

/** The request's JSON; a request cut to maxChars is no longer JSON, so its text is shown as it was kept. */
function parsedOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
