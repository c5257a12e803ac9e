/**
 * Who is calling: turns a request's credential (bootstrap admin key, API key or JWT, as `auth.mode` allows) into a
 * Principal, or says why it cannot. Knows nothing of HTTP frameworks; the HTTP layer decides what a failure means
 * for a route.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AuthConfig } from "../config/securitySchema.js";
import type { ApiKey, ApiKeyStore } from "../store/apiKeys.js";
import { authFailure, type AuthFailure } from "./authFailure.js";
import { createJwtVerifier, type JwtVerifierOptions } from "./createJwtVerifier.js";
import { createTtlCache } from "./createTtlCache.js";
import { credentialFrom } from "./credentialFrom.js";
import { API_KEY_PREFIX } from "./generateApiKey.js";
import { hashApiKey } from "./hashApiKey.js";
import { localPrincipal, type Principal } from "./principal.js";
import { timingSafeEqual } from "node:crypto";

export interface Authenticator {
  authenticate(headers: IncomingHttpHeaders): Promise<Principal | AuthFailure>;
  /** Drops cached lookups of a key, so a revocation made through this process applies at once. */
  forget(keyId: string): void;
}

export interface AuthenticatorOptions extends JwtVerifierOptions {
  /** Epoch ms, for key expiry; tests pass their own. */
  now?: () => number;
  /**
   * How long a key lookup is reused. A key revoked by another process (the CLI, another replica) keeps working
   * on this one for at most this long.
   */
  keyCacheTtlMs?: number;
  keyCacheMaxEntries?: number;
}

export const bootstrapAdminPrincipal: Principal = Object.freeze({ kind: "key", userId: "admin", role: "admin", keyId: "bootstrap" });

export function createAuthenticator(
  auth: AuthConfig,
  apiKeys: Pick<ApiKeyStore, "findByHash" | "touch">,
  options: AuthenticatorOptions = {},
): Authenticator {
  const now = options.now ?? Date.now;
  const keysEnabled = auth.mode === "keys" || auth.mode === "keys+jwt";
  const jwtEnabled = auth.mode === "jwt" || auth.mode === "keys+jwt";
  const verifyJwt = jwtEnabled && auth.jwt ? createJwtVerifier(auth.jwt, options) : undefined;
  // Only found keys are cached: a key created a moment ago (by the CLI, say) must work at once, and unknown
  // keys cannot crowd real ones out of the cache.
  const cache = createTtlCache<ApiKey>({ ttlMs: options.keyCacheTtlMs ?? 10_000, maxEntries: options.keyCacheMaxEntries ?? 1_000, now });

  // The bootstrap key's hash, once: every request's token is hashed anyway (the API key lookup needs it), and
  // comparing the two hashes in constant time says nothing about the key, its length included.
  const adminKeyHash = auth.adminKey === undefined ? undefined : Buffer.from(hashApiKey(auth.adminKey), "hex");

  const fromApiKey = async (token: string, hash: string): Promise<Principal | AuthFailure> => {
    let key = cache.get(hash);
    if (key === undefined) {
      key = await apiKeys.findByHash(hash);
      if (key === undefined) return authFailure("invalid", "invalid API key");
      cache.set(hash, key);
    }
    if (key.revokedAt !== null) return authFailure("invalid", "this API key has been revoked");
    if (key.expiresAt !== null && key.expiresAt <= now()) return authFailure("invalid", "this API key has expired");
    // touch() never rejects and must not hold up the request.
    void apiKeys.touch(key.id);
    return principalOf(key);
  };

  return {
    async authenticate(headers) {
      if (auth.mode === "none") return localPrincipal;
      const token = credentialFrom(headers);
      if (token === undefined) return authFailure("missing", "authentication required: send Authorization: Bearer <API key or token>");
      const hash = hashApiKey(token);
      if (adminKeyHash !== undefined && timingSafeEqual(Buffer.from(hash, "hex"), adminKeyHash)) return bootstrapAdminPrincipal;
      if (token.startsWith(API_KEY_PREFIX)) {
        return keysEnabled ? fromApiKey(token, hash) : authFailure("invalid", "API keys are not accepted by this server (auth.mode is jwt)");
      }
      if (token.split(".").length === 3) {
        return verifyJwt ? verifyJwt(token) : authFailure("invalid", "bearer tokens (JWT) are not accepted by this server (auth.mode is keys)");
      }
      return authFailure("invalid", "unrecognised credential: expected an API key (sy-…) or a JWT");
    },
    forget(keyId) {
      cache.deleteWhere((key) => key.id === keyId);
    },
  };
}

function principalOf(key: ApiKey): Principal {
  const principal: Principal = { kind: "key", userId: key.userId, role: key.role, keyId: key.id };
  if (key.allowedModels !== null) principal.allowedModels = Object.freeze([...key.allowedModels]);
  if (key.rpm !== null || key.tpm !== null) {
    principal.limits = { ...(key.rpm !== null ? { rpm: key.rpm } : {}), ...(key.tpm !== null ? { tpm: key.tpm } : {}) };
  }
  if (key.budgetUsd !== null && key.budgetWindow !== null) principal.budget = { usd: key.budgetUsd, window: key.budgetWindow };
  if (key.accessLevel !== null) principal.accessLevel = key.accessLevel;
  return principal;
}
