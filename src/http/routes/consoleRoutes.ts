/**
 * The web console's static files at `/console/`, built into `dist/console` with the package. Any path under
 * /console that is not a file gets index.html (the console routes in the browser). Hashed assets are cached for a
 * year; index.html is revalidated every time, so a new release is picked up at once. The pages' content security
 * policy allows only the gateway's own scripts, styles and API: no inline script, no other origin.
 */
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import fastifyStatic from "@fastify/static";
import { Type, type Static } from "@sinclair/typebox";
import { GatewayError } from "../../errors.js";

/** dist/console beside dist/src, where `npm run build` puts the console. */
export const defaultConsoleRoot = fileURLToPath(new URL("../../../console/", import.meta.url));

const CONSOLE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:", "blob:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const pageConfig = { policy: "public", securityHeaders: { contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP } } } as const;
const fileParams = Type.Object({ "*": Type.String({ maxLength: 500 }) });

export async function consoleRoutes(app: FastifyInstance, options: { root?: string }): Promise<void> {
  const root = options.root ?? defaultConsoleRoot;
  const built = existsSync(root);
  // The build's files, once: a path not among them is the console's own route (index.html), never a disk lookup.
  const files = new Set(built ? readdirSync(root, { recursive: true, encoding: "utf8" }).map((name) => name.split("\\").join("/")) : []);
  if (built) await app.register(fastifyStatic, { root, serve: false, decorateReply: true, index: false, dotfiles: "deny" });

  const page = (reply: FastifyReply): FastifyReply => {
    if (!built || !files.has("index.html")) {
      throw new GatewayError("not_found", "the console is not built into this installation (npm run build builds it)");
    }
    return reply.header("cache-control", "no-cache").sendFile("index.html", { cacheControl: false });
  };

  // Pages, not API: left out of the OpenAPI description (openApi.ts isUndocumented).
  const schema = { hide: true };
  app.get("/console", { config: pageConfig, schema }, async (_request, reply) => reply.redirect("/console/", 308));
  app.get("/console/*", { config: pageConfig, schema: { ...schema, params: fileParams } }, async (request, reply) => {
    const path = (request.params as Static<typeof fileParams>)["*"];
    if (path === "" || (!files.has(path) && !looksLikeFile(path))) return page(reply);
    if (!files.has(path)) throw new GatewayError("not_found", `no console file ${path}`);
    const immutable = path.startsWith("assets/");
    return reply.sendFile(path, { cacheControl: true, immutable, maxAge: immutable ? "365d" : 0 });
  });
}

/** A name with an extension is a file the page asked for: a missing one is a 404, not the page in its place. */
function looksLikeFile(path: string): boolean {
  return /\.[A-Za-z0-9]+$/.test(path.slice(path.lastIndexOf("/") + 1));
}
