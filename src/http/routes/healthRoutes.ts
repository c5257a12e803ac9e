import type { FastifyInstance } from "fastify";
import type { Engine } from "../../engines/spec.js";
import type { Store } from "../../store/openStore.js";

export interface HealthDeps {
  store: Store;
  engines: readonly Engine[];
  /** True once shutdown began: readiness fails so load balancers stop sending work. */
  draining(): boolean;
  storeTimeoutMs?: number;
}

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get("/health/live", async () => ({ status: "ok" }));

  app.get("/health/ready", async (_request, reply) => {
    const store = await checkStore(deps.store, deps.storeTimeoutMs ?? 2000);
    const engines = Object.fromEntries(deps.engines.map((engine) => [engine.name, { type: engine.type, ...engine.status() }]));
    const usableEngine = Object.values(engines).some((engine) => engine.usable);
    const reasons: string[] = [];
    if (deps.draining()) reasons.push("shutting down");
    if (!store.ok) reasons.push(`store: ${store.error}`);
    if (!usableEngine) {
      reasons.push(
        deps.engines.length === 0
          ? "no engines configured"
          : `no usable engine (${deps.engines.map((e) => `${e.name}: ${e.status().reason ?? "unavailable"}`).join("; ")})`,
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
