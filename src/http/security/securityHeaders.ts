/**
 * Security headers on every response. The API serves no HTML, so the content security policy allows nothing and
 * no page may frame a response. HSTS goes out only on requests that came over TLS (directly, or via a trusted
 * proxy's X-Forwarded-Proto): on plain HTTP it means nothing, and a development server on http://localhost must
 * not pin a browser to HTTPS for a year.
 *
 * Helmet and the HSTS hook write onto the raw response, so responses that hijack it (SSE) carry them too.
 */
import type { FastifyInstance } from "fastify";
import helmet from "@fastify/helmet";

export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

export function securityHeaders(app: FastifyInstance): void {
  app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: "deny" },
    // Helmet can only send it always or never; the hook below decides per request.
    strictTransportSecurity: false,
  });
  app.addHook("onRequest", async (request, reply) => {
    if (request.protocol === "https") reply.raw.setHeader("strict-transport-security", HSTS_VALUE);
  });
}
