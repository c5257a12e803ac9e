/**
 * The web console's sign-in sessions. A session is an encrypted token (JWE, A256GCM) the gateway hands the browser
 * as an HttpOnly cookie: it carries the SHA-256 of the API key the user signed in with (never the key), or, for a
 * JWT sign-in, the principal the token vouched for, and a CSRF token. Replicas that share `console.sessionSecret`
 * read each other's sessions; nothing is stored server-side. A key session is checked against the key store on use,
 * so revoking, expiring or changing the key applies to the console as it does to the API.
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt, EncryptJWT, jwtDecrypt } from "jose";
import type { Authenticator } from "../auth/createAuthenticator.js";
import { authFailure, type AuthFailure } from "../auth/authFailure.js";
import { hashApiKey } from "../auth/hashApiKey.js";
import type { Principal } from "../auth/principal.js";

export interface ConsoleSession {
  principal: Principal;
  csrfToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface IssuedSession extends ConsoleSession {
  /** The cookie's value. */
  token: string;
}

export interface ConsoleSessions {
  /** A session for a caller who has just proved, with `credential`, to be `principal`. */
  issue(credential: string, principal: Principal): Promise<IssuedSession>;
  /** The session a cookie carries, checked again against the key store for key sessions. */
  open(token: string): Promise<ConsoleSession | AuthFailure>;
}

export interface ConsoleSessionOptions {
  ttlMinutes: number;
  /** Absent: a random key for this process only. */
  secret?: string | undefined;
  authenticator: Pick<Authenticator, "authenticateKeyHash">;
  now?: () => number;
}

const AUDIENCE = "switchyard-console";

interface SessionClaims {
  csrf: string;
  /** Key sessions: the key's SHA-256. */
  kh?: string;
  /** JWT sessions: who the token said the caller is. */
  p?: Pick<Principal, "userId" | "role" | "accessLevel" | "allowedModels">;
}

export function createConsoleSessions(options: ConsoleSessionOptions): ConsoleSessions {
  const now = options.now ?? Date.now;
  const key = options.secret === undefined ? randomBytes(32) : createHash("sha256").update(options.secret).digest();
  const ttlMs = options.ttlMinutes * 60_000;

  return {
    async issue(credential, principal) {
      const csrfToken = randomBytes(24).toString("base64url");
      let expiresAt = now() + ttlMs;
      const claims: SessionClaims = { csrf: csrfToken };
      if (principal.kind === "jwt") {
        const { userId, role, accessLevel, allowedModels } = principal;
        claims.p = { userId, role, ...(accessLevel !== undefined ? { accessLevel } : {}), ...(allowedModels ? { allowedModels } : {}) };
        // The identity provider decided how long the token vouches for the caller; the console does not extend it.
        const exp = decodeJwt(credential).exp;
        if (exp !== undefined) expiresAt = Math.min(expiresAt, exp * 1000);
      } else {
        claims.kh = hashApiKey(credential);
      }
      const token = await new EncryptJWT({ ...claims })
        .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(now() / 1000))
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .encrypt(key);
      return { token, principal, csrfToken, expiresAt };
    },

    async open(token) {
      let claims: SessionClaims & { exp?: number };
      try {
        const { payload } = await jwtDecrypt<SessionClaims>(token, key, { audience: AUDIENCE, currentDate: new Date(now()) });
        claims = payload;
      } catch (error) {
        return authFailure("invalid", "the console session has ended or is not valid here; sign in again", error);
      }
      if (typeof claims.csrf !== "string" || claims.exp === undefined) return authFailure("invalid", "the console session is not valid; sign in again");
      const session = (principal: Principal): ConsoleSession => ({ principal, csrfToken: claims.csrf, expiresAt: (claims.exp ?? 0) * 1000 });
      if (claims.p !== undefined) return session({ kind: "jwt", ...claims.p });
      if (typeof claims.kh !== "string") return authFailure("invalid", "the console session is not valid; sign in again");
      const resolved = await options.authenticator.authenticateKeyHash(claims.kh);
      return resolved.kind === "failure" ? resolved : session(resolved);
    },
  };
}
