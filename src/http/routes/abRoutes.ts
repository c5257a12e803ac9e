/**
 * The A/B experiments admin API (`/api/v2/ab`). Engine names in variants are not checked against the
 * configuration here: engines change at reload, and the chat pipeline reports an unknown one when it is used.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { Store } from "../../store/openStore.js";
import type { Experiment, ExperimentStatus } from "../../store/experiments.js";
import { MAX_VARIANTS } from "../../store/checkVariants.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";

// An enum (not a union of literals) so a wrong value is reported as "must be equal to one of the allowed values".
const status = Type.Unsafe<ExperimentStatus>({ type: "string", enum: ["running", "paused", "stopped"] });
const assignBy = Type.Unsafe<"user" | "session">({ type: "string", enum: ["user", "session"] });

const variant = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    weight: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    engine: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    system: Type.Optional(Type.String({ maxLength: 100_000 })),
    params: Type.Optional(
      Type.Object(
        {
          temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
          topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const variants = Type.Array(variant, { minItems: 1, maxItems: MAX_VARIANTS });

const createBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    appliesTo: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    assignBy: Type.Optional(assignBy),
    status: Type.Optional(status),
    variants,
  },
  { additionalProperties: false },
);

const patchBody = Type.Object({ status: Type.Optional(status), variants: Type.Optional(variants) }, { additionalProperties: false });

const idParams = Type.Object({ id: Type.String() }, { additionalProperties: false });

const tags = ["ab"];
const createSchema = {
  tags,
  summary: "Create an experiment",
  description: "Answers 201 with the experiment. Weights are relative; a new experiment is `running` unless `status` says otherwise.",
  body: createBody,
};
const listSchema = { tags, summary: "List experiments", description: "`{data}`, newest first." };
const getSchema = { tags, summary: "Get an experiment", params: idParams };
const patchSchema = {
  tags,
  summary: "Change an experiment's status or variants",
  description: "A paused experiment can resume; `stopped` is final.",
  params: idParams,
  body: patchBody,
};
const resultsSchema = {
  tags,
  summary: "An experiment's results",
  description: "Per variant: requests, errors, latency and time to first token (mean, p95), tokens and feedback.",
  params: idParams,
};

export interface AbRouteDeps {
  store: Store;
}

export function abRoutes(app: FastifyInstance, deps: AbRouteDeps): void {
  const experiments = deps.store.experiments;
  const notFound = (id: string) => new GatewayError("not_found", `experiment ${id} not found`);

  app.post("/api/v2/ab", { config: { policy: "admin" }, schema: createSchema }, async (request, reply) => {
    const body = request.body as Static<typeof createBody>;
    const experiment = await guardStore(() => experiments.create(body));
    return reply.code(201).send(experimentView(experiment));
  });

  app.get("/api/v2/ab", { config: { policy: "admin" }, schema: listSchema }, async () => {
    const all = await guardStore(() => experiments.list());
    return { data: all.map(experimentView) };
  });

  app.get("/api/v2/ab/:id", { config: { policy: "admin" }, schema: getSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const experiment = await guardStore(() => experiments.get(id));
    if (experiment === undefined) throw notFound(id);
    return experimentView(experiment);
  });

  app.patch("/api/v2/ab/:id", { config: { policy: "admin" }, schema: patchSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const patch = request.body as Static<typeof patchBody>;
    const experiment = await guardStore(() => experiments.update(id, patch));
    if (experiment === undefined) throw notFound(id);
    return experimentView(experiment);
  });

  app.get("/api/v2/ab/:id/results", { config: { policy: "admin" }, schema: resultsSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const experiment = await guardStore(() => experiments.get(id));
    if (experiment === undefined) throw notFound(id);
    const results = await guardStore(() => experiments.results(id));
    return { experimentId: experiment.id, status: experiment.status, variants: results };
  });
}

function experimentView(experiment: Experiment) {
  return {
    id: experiment.id,
    name: experiment.name,
    status: experiment.status,
    appliesTo: experiment.appliesTo,
    assignBy: experiment.assignBy,
    variants: experiment.variants,
    createdAt: new Date(experiment.createdAt).toISOString(),
    updatedAt: new Date(experiment.updatedAt).toISOString(),
  };
}
