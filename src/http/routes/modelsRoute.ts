import type { FastifyInstance } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import { GatewayError } from "../../errors.js";

const listSchema = { tags: ["openai"], summary: "List models", description: "Every configured `engine/model` (chat and embedding models), then every route." };
const oneSchema = { tags: ["openai"], summary: "Retrieve a model", description: "`id` is an `engine/model` id (the slash sent as is or as %2F) or a route name." };

/**
 * Every configured `engine/model` and route, usable or not: a client can see what exists; readiness says what works.
 */
export function modelsRoute(app: FastifyInstance, router: () => Router, startedAt: number): void {
  const created = Math.floor(startedAt / 1000);
  const list = () => {
    const current = router();
    return [
      ...current.engines.flatMap(({ engine }) =>
        [...new Set([...engine.models, ...(engine.embeddings?.embeddingModels ?? [])])].map((model) => ({
          id: `${engine.name}/${model}`,
          object: "model",
          created,
          owned_by: engine.name,
        })),
      ),
      ...current.routes.map((route) => ({ id: route.name, object: "model", created, owned_by: "switchyard" })),
    ];
  };
  app.get("/v1/models", { config: { policy: "user" }, schema: listSchema }, async () => ({ object: "list", data: list() }));
  app.get<{ Params: { "*": string } }>("/v1/models/*", { config: { policy: "user" }, schema: oneSchema }, async (request) => {
    const found = list().find((model) => model.id === request.params["*"]);
    if (!found) throw new GatewayError("not_found", `unknown model "${request.params["*"]}"`, { param: "model" });
    return found;
  });
}
