/**
 * Background jobs for operators (`/api/v2/admin/jobs`): list by state and name, look one up, and run a failed
 * one again.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { jobStates, type JobQueue, type JobRecord, type JobState } from "../../jobs/jobQueue.js";
import { GatewayError } from "../../errors.js";

const jobState = Type.Unsafe<JobState>({ type: "string", enum: [...jobStates] });
const listQuery = Type.Object(
  {
    state: Type.Optional(jobState),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.String({ pattern: "^(100|[1-9][0-9]?)$", description: "1 to 100 (default 20)" })),
  },
  { additionalProperties: false },
);
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });

const tags = ["jobs"];
const listSchema = {
  tags,
  summary: "List background jobs",
  description: "Newest first: `{data: [{id, name, state, attempts, maxAttempts, data, result?, error?, createdAt, startedAt, finishedAt, runAt}]}`.",
  querystring: listQuery,
};
const getSchema = { tags, summary: "A background job", params: idParams };
const retrySchema = {
  tags,
  summary: "Run a failed job again",
  description: "Only a failed job, with its attempts counted afresh; any other state is 409 `invalid_request` (param `id`).",
  params: idParams,
};

export interface AdminJobsRouteDeps {
  jobs: JobQueue;
}

export function adminJobsRoutes(app: FastifyInstance, deps: AdminJobsRouteDeps): void {
  app.get("/api/v2/admin/jobs", { config: { policy: "admin" }, schema: listSchema }, async (request) => {
    const query = request.query as Static<typeof listQuery>;
    const jobs = await guardQueue(() => deps.jobs.list({ state: query.state, name: query.name, limit: query.limit ? Number(query.limit) : 20 }));
    return { backend: deps.jobs.backend, data: jobs.map(viewOf) };
  });

  app.get("/api/v2/admin/jobs/:id", { config: { policy: "admin" }, schema: getSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const job = await guardQueue(() => deps.jobs.get(id));
    if (!job) throw new GatewayError("not_found", "no such job (finished jobs are kept up to jobs.keepCompleted / jobs.keepFailed)");
    return viewOf(job);
  });

  app.post("/api/v2/admin/jobs/:id/retry", { config: { policy: "admin" }, schema: retrySchema }, async (request, reply) => {
    const { id } = request.params as Static<typeof idParams>;
    const outcome = await guardQueue(() => deps.jobs.retry(id));
    if (outcome === "not_found") throw new GatewayError("not_found", "no such job");
    if (outcome === "not_failed") throw new GatewayError("invalid_request", "only a failed job can be retried", { status: 409, param: "id" });
    const job = await guardQueue(() => deps.jobs.get(id));
    return reply.code(202).send(job ? viewOf(job) : { id });
  });
}

async function guardQueue<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new GatewayError("store_unavailable", "the job queue is unavailable; try again shortly", { cause: error, retryAfterSeconds: 2 });
  }
}

function viewOf(job: JobRecord): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    data: job.data,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    runAt: iso(job.runAt),
  };
}
