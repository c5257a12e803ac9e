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
  /**
   * Answers at once when it can (no credential needed, the bootstrap key, an API key looked up recently) and
   * through a promise when it must ask the store or verify a JWT.
   */
  authenticate(headers: IncomingHttpHeaders): Principal | AuthFailure | Promise<Principal | AuthFailure>;
  /**
   * The caller whose API key (or bootstrap admin key) has this SHA-256 hash: how a console session, which keeps
   * the hash and never the key, is re-checked against revocation, expiry and the key's current settings.
   */
  authenticateKeyHash(keyHash: string): Principal | AuthFailure | Promise<Principal | AuthFailure>;
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

interface KnownKey {
  key: ApiKey;
  principal: Principal;
  /** When this process last recorded the key's use (epoch ms). */
  touchedAt: number;
}

const TOUCH_INTERVAL_MS = 60_000;

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
  // keys cannot crowd real ones out of the cache. Entries are found by the presented key itself, so a request
  // with a recently seen key is not hashed at all (SHA-256 of a short string costs several microseconds through
  // OpenSSL); the key stays in memory only while its entry lives, as it does in the request's headers anyway.
  // The principal is built once per lookup, not per request.
  const cache = createTtlCache<KnownKey>({ ttlMs: options.keyCacheTtlMs ?? 10_000, maxEntries: options.keyCacheMaxEntries ?? 1_000, now });
  // Lookups by hash live apart from lookups by key: a hash presented as a bearer token must never match one.
  const byHash = createTtlCache<KnownKey>({ ttlMs: options.keyCacheTtlMs ?? 10_000, maxEntries: options.keyCacheMaxEntries ?? 1_000, now });

  // The bootstrap key's hash, once: every request's token is hashed anyway (the API key lookup needs it), and
  // comparing the two hashes in constant time says nothing about the key, its length included.
  const adminKeyHash = auth.adminKey === undefined ? undefined : Buffer.from(hashApiKey(auth.adminKey), "hex");

  const admit = (known: KnownKey): Principal | AuthFailure => {
    const { key } = known;
    if (key.revokedAt !== null) return authFailure("invalid", "this API key has been revoked");
    const at = now();
    if (key.expiresAt !== null && key.expiresAt <= at) return authFailure("invalid", "this API key has expired");
    // touch() never rejects and must not hold up the request; the store keeps last_used_at to the minute anyway.
    if (at - known.touchedAt >= TOUCH_INTERVAL_MS) {
      known.touchedAt = at;
      void apiKeys.touch(key.id);
    }
    return known.principal;
  };

  const fromApiKey = (token: string, hash: string, into: typeof cache): Principal | AuthFailure | Promise<Principal | AuthFailure> =>
    apiKeys.findByHash(hash).then((key) => {
      if (key === undefined) return authFailure("invalid", "invalid API key");
      const fresh: KnownKey = { key, principal: principalOf(key), touchedAt: Number.NEGATIVE_INFINITY };
      into.set(token, fresh);
      return admit(fresh);
    });
  const isAdminKeyHash = (hash: Buffer): boolean => adminKeyHash !== undefined && hash.length === adminKeyHash.length && timingSafeEqual(hash, adminKeyHash);

  return {
    authenticate(headers) {
      if (auth.mode === "none") return localPrincipal;
      const token = credentialFrom(headers);
      if (token === undefined) return authFailure("missing", "authentication required: send Authorization: Bearer <API key or token>");
      const known = keysEnabled ? cache.get(token) : undefined;
      if (known !== undefined) return admit(known);
      const hash = hashApiKey(token);
      if (isAdminKeyHash(Buffer.from(hash, "hex"))) return bootstrapAdminPrincipal;
      if (token.startsWith(API_KEY_PREFIX)) {
        return keysEnabled ? fromApiKey(token, hash, cache) : authFailure("invalid", "API keys are not accepted by this server (auth.mode is jwt)");
      }
      if (token.split(".").length === 3) {
        return verifyJwt ? verifyJwt(token) : authFailure("invalid", "bearer tokens (JWT) are not accepted by this server (auth.mode is keys)");
      }
      return authFailure("invalid", "unrecognised credential: expected an API key (sy-…) or a JWT");
    },
    authenticateKeyHash(keyHash) {
      if (auth.mode === "none") return localPrincipal;
      if (isAdminKeyHash(Buffer.from(keyHash, "hex"))) return bootstrapAdminPrincipal;
      if (!keysEnabled) return authFailure("invalid", "API keys are not accepted by this server (auth.mode is jwt)");
      const known = byHash.get(keyHash);
      return known !== undefined ? admit(known) : fromApiKey(keyHash, keyHash, byHash);
    },
    forget(keyId) {
      cache.deleteWhere((known) => known.key.id === keyId);
      byHash.deleteWhere((known) => known.key.id === keyId);
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
