/**
 * Signing in to the web console: `POST /api/v2/console/session` trades an API key (or, where the gateway trusts
 * them, a JWT) for an HttpOnly session cookie and a CSRF token; `GET` says who the session is (and gives the CSRF
 * token again, which the console keeps in memory only); `DELETE` signs out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { Authenticator } from "../../auth/createAuthenticator.js";
import { credentialFrom } from "../../auth/credentialFrom.js";
import { isAuthFailure } from "../../auth/authFailure.js";
import type { Principal } from "../../auth/principal.js";
import type { AuthConfig } from "../../config/securitySchema.js";
import type { FeaturesConfig } from "../../config/operationsSchema.js";
import type { ConsoleSessions } from "../../console/createConsoleSessions.js";
import { clearedSessionCookie, sessionCookie } from "../../console/sessionCookie.js";
import { GatewayError } from "../../errors.js";

const signInBody = Type.Object(
  { apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, description: "An API key, or a JWT where the gateway trusts them" })) },
  { additionalProperties: false },
);

const sessionView = Type.Object({
  user: Type.Object({
    userId: Type.String(),
    role: Type.String(),
    kind: Type.String(),
    keyId: Type.Optional(Type.String()),
  }),
  csrfToken: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  authMode: Type.String(),
  features: Type.Record(Type.String(), Type.Boolean()),
});

const description =
  "The console's session is an HttpOnly, SameSite=Strict cookie (Secure over TLS). Every POST, PUT, PATCH and DELETE " +
  "made with it must send the session's `x-csrf-token`; without it the answer is 403 `csrf_failed`.";

export interface ConsoleSessionRouteDeps {
  auth: Pick<AuthConfig, "mode">;
  authenticator: Authenticator;
  sessions: ConsoleSessions;
  features: () => Readonly<FeaturesConfig>;
}

export function consoleSessionRoutes(app: FastifyInstance, deps: ConsoleSessionRouteDeps): void {
  const view = (principal: Principal, csrfToken: string, expiresAt: number | null) => ({
    user: { userId: principal.userId, role: principal.role, kind: principal.kind, ...(principal.keyId !== undefined ? { keyId: principal.keyId } : {}) },
    csrfToken,
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    authMode: deps.auth.mode,
    features: { ...deps.features() },
  });
  const secure = (request: FastifyRequest) => request.protocol === "https";

  app.post(
    "/api/v2/console/session",
    {
      config: { policy: "public" },
      schema: { tags: ["console"], summary: "Sign in to the console", description, body: signInBody, response: { 200: sessionView } },
    },
    async (request, reply) => {
      if (deps.auth.mode === "none") return view(request.principal, "", null);
      const body = (request.body ?? {}) as Static<typeof signInBody>;
      const credential = body.apiKey ?? credentialFrom(request.headers);
      if (credential === undefined) throw new GatewayError("invalid_request", "send apiKey (or an Authorization: Bearer token)", { param: "apiKey" });
      const result = await deps.authenticator.authenticate({ authorization: `Bearer ${credential}` });
      if (isAuthFailure(result)) {
        request.log.info({ reason: result.message }, "console sign-in refused");
        throw new GatewayError("unauthorized", result.message);
      }
      const session = await deps.sessions.issue(credential, result);
      const maxAgeSeconds = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
      reply.header("set-cookie", sessionCookie(session.token, { secure: secure(request), maxAgeSeconds }));
      reply.header("cache-control", "no-store");
      request.log.info({ userId: result.userId, role: result.role, keyId: result.keyId }, "console sign-in");
      return view(result, session.csrfToken, session.expiresAt);
    },
  );

  app.get(
    "/api/v2/console/session",
    { config: { policy: "user" }, schema: { tags: ["console"], summary: "The console session", description, response: { 200: sessionView } } },
    async (request, reply: FastifyReply) => {
      reply.header("cache-control", "no-store");
      const session = request.consoleSession;
      // A caller with a credential of its own (or auth.mode none) has no session and needs no CSRF token.
      return view(request.principal, session?.csrfToken ?? "", session?.expiresAt ?? null);
    },
  );

  app.delete(
    "/api/v2/console/session",
    { config: { policy: "public" }, schema: { tags: ["console"], summary: "Sign out of the console", description: "Answers 204 and clears the cookie." } },
    async (request, reply) => {
      reply.header("set-cookie", clearedSessionCookie(secure(request)));
      return reply.code(204).send();
    },
  );
}
