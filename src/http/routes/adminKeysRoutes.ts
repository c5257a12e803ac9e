/**
 * The API keys admin API (`/api/v2/admin/keys`): create (the key is in the response once and stored nowhere),
 * list (never a key or its hash), change, revoke.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { ApiKey, ApiKeyStore } from "../../store/apiKeys.js";
import type { BudgetWindow, Role } from "../../auth/principal.js";
import { issueApiKey } from "../../auth/issueApiKey.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { keyChangesBody, keyChangesOf, type KeyChangesBody } from "./keyChanges.js";

// Enums (not unions of literals) so a wrong value is reported as "must be equal to one of the allowed values".
const role = Type.Unsafe<Role>({ type: "string", enum: ["user", "admin"] });
const budgetWindow = Type.Unsafe<BudgetWindow>({ type: "string", enum: ["day", "month", "total"] });

const createBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(role),
    allowedModels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 100 })),
    expiresAt: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rpm: Type.Optional(Type.Integer({ minimum: 1 })),
    tpm: Type.Optional(Type.Integer({ minimum: 1 })),
    budgetUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    budgetWindow: Type.Optional(budgetWindow),
    accessLevel: Type.Optional(Type.Integer({ minimum: 0, description: "Highest document access level the key may read (default 0)" })),
  },
  { additionalProperties: false },
);

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

const createSchema = {
  tags: ["admin"],
  summary: "Create an API key",
  description: "Answers 201; the response is the only place the key appears.",
  body: createBody,
};
const listSchema = { tags: ["admin"], summary: "List API keys", description: "Never a key or its hash." };
const updateSchema = {
  tags: ["admin"],
  summary: "Change an API key",
  description:
    "Changes name, rpm, tpm, budgetUsd, budgetWindow, allowedModels, expiresAt or accessLevel (null clears); answers 200 with the key as it now is, 404 for an unknown or revoked key. Applies at once on this replica; other replicas pick it up within their key cache's lifetime (10 s).",
  params: idParams,
  body: keyChangesBody,
};
const revokeSchema = { tags: ["admin"], summary: "Revoke an API key", description: "Answers 204.", params: idParams };

export interface AdminKeysRouteDeps {
  apiKeys: ApiKeyStore;
  /** Called after a revocation or a change, so cached lookups of the key are dropped and the next request sees it. */
  onRevoked?(keyId: string): void;
  /** Key lifecycle events for webhook subscribers (never carrying the key itself). */
  onKeyEvent?(event: "key.created" | "key.revoked", data: { keyId: string; by: string; userId?: string; role?: string }): void;
}

export function adminKeysRoutes(app: FastifyInstance, deps: AdminKeysRouteDeps): void {
  app.post("/api/v2/admin/keys", { config: { policy: "admin" }, schema: createSchema }, async (request, reply) => {
    const body = request.body as Static<typeof createBody>;
    const { key, apiKey } = await guardStore(() => issueApiKey(deps.apiKeys, body));
    request.log.info({ keyId: apiKey.id, userId: apiKey.userId, role: apiKey.role, by: request.userId }, "API key created");
    deps.onKeyEvent?.("key.created", { keyId: apiKey.id, userId: apiKey.userId, role: apiKey.role, by: request.userId });
    return reply.code(201).send({ ...keyView(apiKey), key });
  });

  app.get("/api/v2/admin/keys", { config: { policy: "admin" }, schema: listSchema }, async () => {
    const keys = await guardStore(() => deps.apiKeys.list());
    return { data: keys.map(keyView) };
  });

  app.patch("/api/v2/admin/keys/:id", { config: { policy: "admin" }, schema: updateSchema }, async (request) => {
    const { id } = request.params as Static<typeof idParams>;
    const body = request.body as KeyChangesBody;
    const updated = await guardStore(async () => {
      const current = await deps.apiKeys.get(id);
      if (current === undefined || current.revokedAt !== null) return undefined;
      return deps.apiKeys.update(id, keyChangesOf(body, current, Date.now()));
    });
    if (updated === undefined) throw new GatewayError("not_found", `no active API key ${id}`);
    deps.onRevoked?.(id);
    request.log.info({ keyId: id, fields: Object.keys(body), by: request.userId }, "API key changed");
    return keyView(updated);
  });

  app.delete("/api/v2/admin/keys/:id", { config: { policy: "admin" }, schema: revokeSchema }, async (request, reply) => {
    const { id } = request.params as Static<typeof idParams>;
    const revoked = await guardStore(() => deps.apiKeys.revoke(id));
    if (!revoked) throw new GatewayError("not_found", `no active API key ${id}`);
    deps.onRevoked?.(id);
    deps.onKeyEvent?.("key.revoked", { keyId: id, by: request.userId });
    request.log.info({ keyId: id, by: request.userId }, "API key revoked");
    return reply.code(204).send();
  });
}

export function keyView(key: ApiKey) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: key.id,
    name: key.name,
    userId: key.userId,
    role: key.role,
    prefix: key.prefix,
    allowedModels: key.allowedModels,
    rpm: key.rpm,
    tpm: key.tpm,
    budgetUsd: key.budgetUsd,
    budgetWindow: key.budgetWindow,
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    createdAt: iso(key.createdAt),
    lastUsedAt: iso(key.lastUsedAt),
    accessLevel: key.accessLevel ?? 0,
  };
}
