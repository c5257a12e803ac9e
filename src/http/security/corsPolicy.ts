/**
 * Cross-origin access for browsers, from the configured allowlist only ("*" only when listed). No credentials
 * mode: callers authenticate with a bearer header, never cookies. Preflights are answered in the hook, before
 * authentication, since a browser sends them without credentials.
 */
import type { FastifyInstance } from "fastify";
import cors from "@fastify/cors";

/** Response headers a browser script may read. */
export const EXPOSED_HEADERS = ["x-trace-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"];

export function corsPolicy(app: FastifyInstance, options: { origins: readonly string[] }): void {
  // @fastify/cors adds an `OPTIONS *` route without a policy; it answers preflights only, so it is public. This
  // onRoute hook must be added before any that checks or records policies.
  app.addHook("onRoute", (route) => {
    if (route.method === "OPTIONS" && route.url === "*" && route.config?.policy === undefined) {
      route.config = { ...route.config, policy: "public" };
    }
  });
  // An origin is scheme://host[:port]; a trailing slash in the configuration would never match one.
  const origins = options.origins.map((origin) => origin.replace(/\/+$/, ""));
  // No origins: no CORS handling at all, so a preflight finds no route (404) and no response allows an origin.
  // The plugin is not even registered then: with `origin: false` it still runs a hook on every request.
  if (origins.length === 0) return;
  app.register(cors, {
    origin: origins,
    credentials: false,
    methods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    // An OPTIONS request that is no preflight gets the same harmless 204 rather than a text/plain 400.
    strictPreflight: false,
  });
}
