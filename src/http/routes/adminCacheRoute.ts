/**
 * `POST /api/v2/admin/cache/invalidate`: retires cached answers by tenant, model (as clients name it) or API key.
 * With Redis every replica stops serving them at once (a generation bump plus a pub/sub broadcast); without it,
 * this replica only.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { ResponseCache } from "../../cache/createResponseCache.js";
import { GatewayError } from "../../errors.js";

const id = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
const invalidateBody = Type.Object(
  {
    tenant: id("A user id: every answer cached for that user"),
    model: id("A model or route name as clients send it (`engine/model`, a route, `auto`)"),
    keyId: id("An API key's id: that key gets no answer cached before now"),
  },
  { additionalProperties: false },
);

const invalidateSchema = {
  tags: ["admin"],
  summary: "Invalidate cached responses",
  description:
    "Name at least one of tenant, model, keyId; naming several invalidates each (the union). `shared` says whether every " +
    "replica was told (Redis reachable) or only this one.",
  body: invalidateBody,
};

export function adminCacheRoute(app: FastifyInstance, deps: { cache?: ResponseCache | undefined }): void {
  app.post("/api/v2/admin/cache/invalidate", { config: { policy: "admin" }, schema: invalidateSchema }, async (request) => {
    const body = request.body as Static<typeof invalidateBody>;
    if (body.tenant === undefined && body.model === undefined && body.keyId === undefined) {
      throw new GatewayError("invalid_request", "name at least one of tenant, model, keyId");
    }
    if (!deps.cache) throw new GatewayError("invalid_request", "the response cache is not enabled (cache.enabled)");
    return deps.cache.invalidate({ tenant: body.tenant, model: body.model, keyId: body.keyId });
  });
}
