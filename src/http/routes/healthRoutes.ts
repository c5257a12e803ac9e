/**
 * Probes: /health/live (the process answers), /health/startup (models loaded), /health/ready (store reachable,
 * an engine usable, not draining — with the hysteresis of createReadiness). Anyone gets the status; callers with
 * the admin role (every caller when auth.mode is none) also get the checks behind it.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import type { Store } from "../../store/openStore.js";
import { createReadiness } from "../../health/createReadiness.js";
import type { RedisClient } from "../../redis/createRedisClient.js";

export interface HealthDeps {
  store: Store;
  router(): Router;
  /** True once shutdown began: readiness fails at once so load balancers stop sending work. */
  draining(): boolean;
  failureThreshold: number;
  storeTimeoutMs: number;
  /** Redis for shared counters: down means degraded (open fail mode, still ready) or not ready (closed). */
  redis?: RedisClient;
  redisFailMode?: "open" | "closed";
}

// Probes must answer under load shedding: an overloaded replica is alive, and its readiness is for the checks.
const probeConfig = { policy: "public", pressureHandler: () => undefined } as const;

const tags = ["health"];
const adminDetail = "Callers with the admin role also get the checks behind the status.";
const liveSchema = { tags, summary: "Liveness", description: "The process answers: `{status: \"ok\"}`." };
const startupSchema = { tags, summary: "Startup", description: `200 once every local engine has finished loading its model, else 503. ${adminDetail}` };
const readySchema = {
  tags,
  summary: "Readiness",
  description: `200 when the store answers and an engine is usable (and the server is not shutting down), else 503. ${adminDetail}`,
};

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const readiness = createReadiness(deps.failureThreshold);

  app.get("/health/live", { config: probeConfig, schema: liveSchema }, async () => ({ status: "ok" }));

  app.get("/health/startup", { config: probeConfig, schema: startupSchema }, async (request, reply) => {
    const loading = deps.router().engines.filter((guarded) => guarded.engine.status().loading === true);
    reply.code(loading.length === 0 ? 200 : 503);
    const status = loading.length === 0 ? "started" : "starting";
    return isAdmin(request) ? { status, loading: loading.map((guarded) => guarded.engine.name) } : { status };
  });

  app.get("/health/ready", { config: probeConfig, schema: readySchema }, async (request, reply) => {
    const [store, redis] = await Promise.all([
      checkStore(deps.store, deps.storeTimeoutMs),
      deps.redis ? checkWithin(() => deps.redis!.ping(), deps.storeTimeoutMs) : Promise.resolve(undefined),
    ]);
    const states = deps.router().engines.map((guarded) => guarded.state());
    const engines = Object.fromEntries(states.map(({ name, ...state }) => [name, state]));
    const failures: string[] = [];
    if (!store.ok) failures.push(`store: ${store.error}`);
    const degraded: string[] = [];
    if (redis && !redis.ok) {
      const reason = `redis: ${redis.error}`;
      if (deps.redisFailMode === "closed") failures.push(reason);
      // Open fail mode: requests keep flowing on local counters; leaving the load balancer would help nobody.
      else degraded.push(`${reason} (limits and budgets are per replica until it returns)`);
    }
    // An open breaker is not a reason to leave the load balancer: every replica would see the same upstream.
    if (!states.some((state) => state.usable)) {
      failures.push(
        states.length === 0
          ? "no engines configured"
          : `no usable engine (${states.map((s) => `${s.name}: ${s.reason ?? "unavailable"}`).join("; ")})`,
      );
    }
    // Nor is it hidden: an engine failing its calls shows as degraded, with the fault that opened its breaker.
    for (const state of states) {
      if (state.breaker === "closed") continue;
      const cause = state.lastError ? ` (last error: ${state.lastError.message})` : "";
      degraded.push(`engine ${state.name}: circuit breaker ${state.breaker}${cause}`);
    }
    const passed = readiness.record(failures.length === 0);
    const ready = passed && !deps.draining();
    const reasons = deps.draining() ? ["shutting down", ...failures] : failures;
    reply.code(ready ? 200 : 503);
    const status = !ready ? "not_ready" : degraded.length > 0 ? "degraded" : "ready";
    if (!isAdmin(request)) return { status };
    return {
      status,
      reasons: [...reasons, ...degraded],
      consecutiveFailures: readiness.consecutiveFailures,
      checks: { store, engines, ...(redis ? { redis } : {}) },
    };
  });
}

function isAdmin(request: FastifyRequest): boolean {
  return request.principal.role === "admin";
}

function checkStore(store: Store, timeoutMs: number): Promise<Check> {
  return checkWithin(() => store.ping(), timeoutMs);
}

interface Check {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function checkWithin(ping: () => Promise<void>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
