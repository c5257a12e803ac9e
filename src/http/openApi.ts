/**
 * The OpenAPI description of the HTTP API, generated from the route schemas (@fastify/swagger, dynamic mode):
 * `GET /openapi.json` serves it and `/docs` shows it (@fastify/swagger-ui). Both are public: they describe the
 * API and hold no data, and a client needs them before it has a key.
 *
 * Undocumented on purpose (see isUndocumented): the pages and assets of /docs itself, the CORS preflight
 * catch-all `OPTIONS *`, and the HEAD routes Fastify adds beside each GET.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PREFIX = "/docs";

/** Tags in the order the docs show them. Every documented route names one of these. */
export const OPENAPI_TAGS = [
  { name: "openai", description: "OpenAI-compatible API" },
  { name: "anthropic", description: "Anthropic Messages API, served by any engine" },
  { name: "chat", description: "Session chat over server-sent events, with stored history" },
  { name: "ab", description: "A/B experiments over session-chat turns (admin)" },
  { name: "usage", description: "The usage ledger: costs and tokens per request" },
  { name: "admin", description: "Engines, API keys (admin)" },
  { name: "webhooks", description: "Webhook subscriptions and deliveries (admin)" },
  { name: "jobs", description: "Background jobs (admin)" },
  { name: "health", description: "Probes for load balancers and orchestrators" },
  { name: "metrics", description: "Prometheus metrics" },
  { name: "documents", description: "Documents for retrieval and search over them" },
  { name: "docs", description: "This description" },
  { name: "console", description: "Signing in to the web console" },
  { name: "mcp", description: "The gateway's tools over the Model Context Protocol" },
] as const;

export interface OpenApiOptions {
  /** The API version in `info.version`; the package's version when absent. */
  version?: string;
}

/**
 * Routes the description leaves out: the docs UI's and the console's own pages and assets (they are not API), the CORS preflight
 * catch-all (a browser mechanism, not an operation), and HEAD (the mirror of each GET).
 */
export function isUndocumented(method: string, url: string): boolean {
  return method === "HEAD" || (method === "OPTIONS" && url === "*") || url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`) || url === "/console" || url.startsWith("/console/");
}

/**
 * The OpenAPI path of a Fastify route URL: `:id` becomes `{id}`, and a trailing wildcard (`/v1/models/*`, whose
 * model ids contain a slash) the parameter `{id}`.
 */
export function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{id}");
}

/**
 * Must be called before the onRoute hooks that check and record route policies (its own hook marks the docs
 * routes public first), and before the routes are registered: the generator sees only routes added once it has
 * loaded, so buildApp registers the API's routes in a plugin after this one.
 */
export function registerOpenApi(app: FastifyInstance, options: OpenApiOptions = {}): void {
  // The docs UI's routes come from @fastify/swagger-ui and @fastify/static, which know nothing of route policies,
  // and serve HTML, scripts and styles that the API's CSP (default-src 'none') would block. Only routes registered
  // under the docs prefix (by swagger-ui) that declare no policy of their own get both.
  app.addHook("onRoute", (route) => {
    const underDocs = route.prefix === DOCS_PREFIX || route.prefix.startsWith(`${DOCS_PREFIX}/`);
    if (!underDocs || route.config?.policy !== undefined) return;
    route.config = { ...route.config, policy: "public", securityHeaders: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } } };
  });

  app.register(fastifySwagger, {
    mode: "dynamic",
    openapi: {
      // 3.1: its schemas are JSON Schema, as the route schemas are (type "null", numeric exclusiveMinimum).
      openapi: "3.1.0",
      info: {
        title: "Switchyard",
        version: options.version ?? packageVersion(),
        description:
          "Self-hosted LLM chat gateway: an OpenAI-compatible API, session chat with stored history, and the admin API. " +
          "Errors are `{\"error\": {...}}` envelopes: OpenAI's shape under /v1, `{code, message, traceId}` under /api/v2. " +
          "With `auth.mode: none` (loopback only) no credential is needed.",
      },
      tags: [...OPENAPI_TAGS],
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "An API key (`sy-…`) or, when `auth.mode` accepts them, a JWT: `Authorization: Bearer <token>`, as OpenAI clients send it.",
          },
          apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The same credential as `X-API-Key: <token>`." },
        },
      },
      // Either header will do; public routes override this with no requirement.
      security: [{ bearer: [] }, { apiKeyHeader: [] }],
    },
    transform: ({ schema, url, route }) => ({ schema: documentedSchema(schema, url, route), url: openApiPath(url) }),
  });
  app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, docExpansion: "list" } });
  // In a plugin, so the route is added after the hooks that check and record route policies exist, and documented.
  app.register(async (scope) => {
    scope.get(
      OPENAPI_PATH,
      { config: { policy: "public" }, schema: { tags: ["docs"], summary: "This OpenAPI description", description: "Also served at /docs/json." } },
      async () => app.swagger(),
    );
  });
}

/** What swagger-ui needs: its own scripts, styles and spec, and the logo as a data: URL; still no framing. */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  imgSrc: ["'self'", "data:"],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  frameAncestors: ["'none'"],
};

function documentedSchema(schema: FastifySchema | undefined, url: string, route: RouteOptions): FastifySchema {
  const policy = route.config?.policy;
  return {
    ...schema,
    ...([route.method].flat().every((method) => isUndocumented(method, url)) ? { hide: true } : {}),
    // A public route needs no credential, whatever the document-wide requirement says.
    ...(policy === "public" ? { security: [] } : {}),
    ...(policy === "admin" ? { description: withAdminNote(schema?.description) } : {}),
  };
}

function withAdminNote(description: string | undefined): string {
  const note = "Needs the admin role (and, with `auth.adminAllowlist`, a listed client address).";
  return description ? `${description}\n\n${note}` : note;
}

function packageVersion(): string {
  // dist/src/http/openApi.js → the package root, both in a checkout and where the package is installed.
  const text = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : "0.0.0";
}
