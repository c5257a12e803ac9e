/**
 * A/B experiments: named sets of weighted variants (engine, model, system prompt, parameters) that session chat
 * requests are split across. A paused experiment can resume; a stopped one is final, so its results stay a record
 * of what ran.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { GatewayError } from "../errors.js";
import type { Database, ExperimentRow } from "./schema.js";
import { systemClock, type Clock } from "./clock.js";
import { checkVariants } from "./checkVariants.js";
import { experimentResults } from "./experimentResults.js";

export type ExperimentStatus = "running" | "paused" | "stopped";

export interface Variant {
  name: string;
  /** Relative: weights need not sum to 1 or 100; a zero-weight variant is never assigned. */
  weight: number;
  engine?: string;
  model?: string;
  system?: string;
  params?: { temperature?: number; topP?: number; maxTokens?: number };
}

export interface Experiment {
  id: string;
  name: string;
  status: ExperimentStatus;
  /** "auto": session-chat requests that name no engine; otherwise the engine or route name a request names. */
  appliesTo: string;
  assignBy: "user" | "session";
  variants: Variant[];
  createdAt: number;
  updatedAt: number;
}

export interface NewExperiment {
  name: string;
  appliesTo?: string;
  assignBy?: "user" | "session";
  variants: Variant[];
  /** Defaults to "running": creating an experiment starts it. */
  status?: ExperimentStatus;
}

export interface ExperimentPatch {
  status?: ExperimentStatus;
  variants?: Variant[];
}

export interface VariantResult {
  variant: string;
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: { mean: number | null; p95: number | null };
  ttftMs: { mean: number | null; p95: number | null };
  tokens: { input: number; output: number };
  feedback: { mean: number | null; count: number };
}

export interface ExperimentStore {
  /** Throws invalid_request (param "name") when the name is taken, (param "variants") when the variants break the rules. */
  create(input: NewExperiment): Promise<Experiment>;
  /** Newest first. */
  list(): Promise<Experiment[]>;
  get(id: string): Promise<Experiment | undefined>;
  /** Undefined when there is no such experiment; invalid_request when it is stopped (stopped is final). */
  update(id: string, patch: ExperimentPatch): Promise<Experiment | undefined>;
  /** The running experiment for `appliesTo` (newest if several), or undefined. Called on every session chat request: one indexed query. */
  running(appliesTo: string): Promise<Experiment | undefined>;
  /** Per-variant outcomes; not_found when there is no such experiment. */
  results(id: string): Promise<VariantResult[]>;
}

export function createExperimentStore(db: Kysely<Database>, options: { now?: Clock } = {}): ExperimentStore {
  const now = options.now ?? systemClock;

  const get = async (id: string): Promise<Experiment | undefined> => {
    const row = await db.selectFrom("experiments").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toExperiment(row);
  };

  const update = async (id: string, patch: ExperimentPatch): Promise<Experiment | undefined> => {
    const current = await get(id);
    if (current === undefined) return undefined;
    if (current.status === "stopped") {
      if (patch.variants !== undefined) throw stoppedError(current, "variants");
      if (patch.status !== undefined && patch.status !== "stopped") throw stoppedError(current, "status");
      return current;
    }
    if (patch.status === undefined && patch.variants === undefined) return current;
    const variants = patch.variants === undefined ? undefined : JSON.stringify(checkVariants(patch.variants));
    const row = await db
      .updateTable("experiments")
      .set({ status: patch.status, variants, updated_at: now() })
      .where("id", "=", id)
      // Guards against a concurrent stop between the read above and this write: stopped stays final.
      .where("status", "<>", "stopped")
      .returningAll()
      .executeTakeFirst();
    // Stopped (or removed) meanwhile: answer as if this request had come second, which it did.
    return row === undefined ? update(id, patch) : toExperiment(row);
  };

  return {
    async create(input) {
      const at = now();
      const row: ExperimentRow = {
        id: randomUUID(),
        name: input.name,
        status: input.status ?? "running",
        applies_to: input.appliesTo ?? "auto",
        assign_by: input.assignBy ?? "user",
        variants: JSON.stringify(checkVariants(input.variants)),
        created_at: at,
        updated_at: at,
      };
      try {
        await db.insertInto("experiments").values(row).execute();
      } catch (error) {
        // Asking again, rather than decoding each driver's unique-violation error, keeps this dialect-neutral.
        const taken = await db.selectFrom("experiments").select("id").where("name", "=", input.name).executeTakeFirst();
        if (taken !== undefined) {
          throw new GatewayError("invalid_request", `an experiment named "${input.name}" already exists.`, { param: "name" });
        }
        throw error;
      }
      return toExperiment(row);
    },

    async list() {
      const rows = await db.selectFrom("experiments").selectAll().orderBy("created_at", "desc").orderBy("id", "asc").execute();
      return rows.map(toExperiment);
    },

    get,
    update,

    async running(appliesTo) {
      const row = await db
        .selectFrom("experiments")
        .selectAll()
        .where("applies_to", "=", appliesTo)
        .where("status", "=", "running")
        .orderBy("created_at", "desc")
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toExperiment(row);
    },

    async results(id) {
      const experiment = await get(id);
      if (experiment === undefined) throw new GatewayError("not_found", `experiment ${id} not found`);
      return experimentResults(
        db,
        id,
        experiment.variants.map((variant) => variant.name),
      );
    },
  };
}

function stoppedError(experiment: Experiment, param: "status" | "variants"): GatewayError {
  return new GatewayError("invalid_request", `experiment "${experiment.name}" is stopped; a stopped experiment cannot change.`, {
    param,
  });
}

function toExperiment(row: ExperimentRow): Experiment {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    appliesTo: row.applies_to,
    assignBy: row.assign_by,
    // Written only by this store, from checked Variant[]; parsing back needs no further validation.
    variants: JSON.parse(row.variants) as Variant[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
