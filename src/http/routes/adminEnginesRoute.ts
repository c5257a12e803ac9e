import type { FastifyInstance } from "fastify";
import type { Router } from "../../routing/createRouter.js";
import { createReloadLog, type ReloadLog } from "../../routing/createReloadLog.js";

const enginesSchema = {
  tags: ["admin"],
  summary: "Engines and routes",
  description:
    "Each engine's live state (usable, breaker, running and queued requests, time to first token) and policies, and the routes. " +
    "`startedAt`: when the gateway started; `lastReload`: the last configuration reload (SIGHUP, `--watch`) as " +
    "`{at, ok, added, removed, kept, error?}` — `ok: false` with the `error` when the file was rejected and the running configuration kept — or null before any.",
};

/** Engines with their live state (breaker, queue, latency) and the routes over them, for operators. */
export function adminEnginesRoute(app: FastifyInstance, deps: { router(): Router; reloads?: ReloadLog | undefined }): void {
  // Without main.ts's log (an app built on its own) nothing reloads it: its start is the app's.
  const reloads = deps.reloads ?? createReloadLog();
  app.get("/api/v2/admin/engines", { config: { policy: "admin" }, schema: enginesSchema }, async () => {
    const router = deps.router();
    return {
      engines: router.engines.map((guarded) => ({
        ...guarded.state(),
        timeouts: guarded.config.timeouts,
        retry: guarded.config.retry,
        breakerPolicy: guarded.config.breaker,
      })),
      routes: router.routes.map((route) => ({
        name: route.name,
        strategy: route.strategy,
        targets: route.targets.map((t) => ({ target: t.id, weight: t.weight })),
        ...(route.timeouts ? { timeouts: route.timeouts } : {}),
      })),
      startedAt: reloads.startedAt,
      lastReload: reloads.last(),
    };
  });
}
