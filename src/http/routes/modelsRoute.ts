import type { FastifyInstance } from "fastify";
import type { Engine } from "../../engines/spec.js";
import { GatewayError } from "../../errors.js";

/** Every configured `engine/model`, usable or not: a client can see what exists; readiness says what works. */
export function modelsRoute(app: FastifyInstance, engines: readonly Engine[], startedAt: number): void {
  const created = Math.floor(startedAt / 1000);
  const list = () =>
    engines.flatMap((engine) =>
      engine.models.map((model) => ({ id: `${engine.name}/${model}`, object: "model", created, owned_by: engine.name })),
    );
  app.get("/v1/models", async () => ({ object: "list", data: list() }));
  app.get<{ Params: { "*": string } }>("/v1/models/*", async (request) => {
    const found = list().find((model) => model.id === request.params["*"]);
    if (!found) throw new GatewayError("not_found", `unknown model "${request.params["*"]}"`, { param: "model" });
    return found;
  });
}
