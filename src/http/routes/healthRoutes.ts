import type { FastifyInstance } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import type { Store } from "../../store/openStore.js";

export interface HealthDeps {
  store: Store;
  router(): Router;
  /** True once shutdown began: readiness fails so load balancers stop sending work. */
  draining(): boolean;
  storeTimeoutMs?: number;
}

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get("/health/live", { config: { policy: "public" } }, async () => ({ status: "ok" }));

  app.get("/health/ready", { config: { policy: "public" } }, async (_request, reply) => {
    const store = await checkStore(deps.store, deps.storeTimeoutMs ?? 2000);
    const states = deps.router().engines.map((guarded) => guarded.state());
    const engines = Object.fromEntries(states.map(({ name, ...state }) => [name, state]));
    const reasons: string[] = [];
    if (deps.draining()) reasons.push("shutting down");
    if (!store.ok) reasons.push(`store: ${store.error}`);
    // An open breaker is not a reason to leave the load balancer: every replica would see the same upstream.
    if (!states.some((state) => state.usable)) {
      reasons.push(
        states.length === 0
          ? "no engines configured"
          : `no usable engine (${states.map((s) => `${s.name}: ${s.reason ?? "unavailable"}`).join("; ")})`,
      );
    }
    reply.code(reasons.length === 0 ? 200 : 503);
    return { status: reasons.length === 0 ? "ready" : "not_ready", reasons, checks: { store, engines } };
  });
}

async function checkStore(store: Store, timeoutMs: number): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.ping(),
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
