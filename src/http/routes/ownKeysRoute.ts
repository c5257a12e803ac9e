/** `GET /api/v2/keys`: the caller's own API keys (by user id), revoked ones included, newest first; never a key or its hash. */
import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import type { ApiKeyStore } from "../../store/apiKeys.js";
import { guardStore } from "../../chat/guardStore.js";
import { keyView } from "./adminKeysRoutes.js";

const schema = {
  tags: ["admin"],
  summary: "Your API keys",
  description: "`{data: [key]}`: the keys of the calling user, as the admin listing shows them (never a key or its hash).",
  querystring: Type.Object({}, { additionalProperties: false }),
};

export function ownKeysRoute(app: FastifyInstance, deps: { apiKeys: ApiKeyStore }): void {
  app.get("/api/v2/keys", { config: { policy: "user" }, schema }, async (request) => {
    const keys = await guardStore(() => deps.apiKeys.listByUser(request.principal.userId));
    return { data: keys.map(keyView) };
  });
}
