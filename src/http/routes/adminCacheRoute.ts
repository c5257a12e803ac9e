/**
 * `POST /api/v2/admin/cache/invalidate`: retires cached answers by tenant, model (as clients name it) or API key.
 * With Redis every replica stops serving exact-cache answers at once (a generation bump plus a pub/sub broadcast);
 * without it, this replica only. Semantic cache entries live in the store, so deleting them reaches every replica.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { ResponseCache } from "../../cache/createResponseCache.js";
import type { SemanticCache } from "../../cache/createSemanticCache.js";
import { GatewayError } from "../../errors.js";

const id = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
const invalidateBody = Type.Object(
  {
    tenant: id("A user id: every answer cached for that user"),
    model: id("A model or route name as clients send it (`engine/model`, a route, `auto`); semantic entries also by the `engine/model` that answered"),
    keyId: id("An API key's id: that key gets no exact-cache answer cached before now; semantic entries stored through it are deleted"),
  },
  { additionalProperties: false },
);

const invalidateSchema = {
  tags: ["admin"],
  summary: "Invalidate cached responses",
  description:
    "Name at least one of tenant, model, keyId; naming several invalidates each (the union). `shared` says whether every " +
    "replica was told (Redis reachable) or only this one; `semantic.deleted` counts the semantic cache entries deleted " +
    "(present when a semantic cache is configured; the store is shared, so every replica is rid of them).",
  body: invalidateBody,
};

export function adminCacheRoute(app: FastifyInstance, deps: { cache?: ResponseCache | undefined; semanticCache?: SemanticCache | undefined }): void {
  app.post("/api/v2/admin/cache/invalidate", { config: { policy: "admin" }, schema: invalidateSchema }, async (request) => {
    const body = request.body as Static<typeof invalidateBody>;
    if (body.tenant === undefined && body.model === undefined && body.keyId === undefined) {
      throw new GatewayError("invalid_request", "name at least one of tenant, model, keyId");
    }
    if (!deps.cache && !deps.semanticCache) {
      throw new GatewayError("invalid_request", "the response cache is not enabled (cache.enabled, routes[].semanticCache)");
    }
    const target = { tenant: body.tenant, model: body.model, keyId: body.keyId };
    const exact = deps.cache ? await deps.cache.invalidate(target) : { invalidated: target };
    if (!deps.semanticCache) return exact;
    let deleted: number;
    try {
      deleted = await deps.semanticCache.invalidate(target);
    } catch (error) {
      throw new GatewayError("store_unavailable", `the semantic cache entries could not be deleted${deps.cache ? " (the exact cache was invalidated)" : ""}`, {
        cause: error,
        retryable: true,
      });
    }
    return { ...exact, semantic: { deleted } };
  });
}
