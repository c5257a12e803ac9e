/**
 * Verifies bearer JWTs with jose and turns their claims into a Principal. Algorithms are pinned by key source:
 * the shared secret verifies HS256 only and the JWKS verifies asymmetric algorithms only, so a token cannot pick
 * its own verification (no `alg: none`, no HS256 signed with a public key as the secret).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { AuthConfig } from "../config/securitySchema.js";
import { authFailure, type AuthFailure } from "./authFailure.js";
import { claimAt } from "./claimAt.js";
import type { Principal } from "./principal.js";

export type JwtConfig = NonNullable<AuthConfig["jwt"]>;

export type JwtVerifier = (token: string) => Promise<Principal | AuthFailure>;

const SYMMETRIC = ["HS256"];
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"];

export interface JwtVerifierOptions {
  /** The JWKS cache: refetched after this long, or on an unknown key id (no more than once per cooldown). */
  jwksCacheMaxAgeMs?: number;
  jwksCooldownMs?: number;
}

export function createJwtVerifier(config: JwtConfig, options: JwtVerifierOptions = {}): JwtVerifier {
  const secret = config.secret === undefined ? undefined : new TextEncoder().encode(config.secret);
  // jose caches the key set, refetches it when a token names a key id it does not hold (key rotation), and
  // rate-limits those refetches with the cooldown so unknown-kid tokens cannot hammer the identity provider.
  const jwks =
    config.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(config.jwksUrl), {
          cacheMaxAge: options.jwksCacheMaxAgeMs ?? 10 * 60_000,
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          timeoutDuration: 5_000,
        });
  const algorithms = [...(secret ? SYMMETRIC : []), ...(jwks ? ASYMMETRIC : [])];

  const keyFor: JWTVerifyGetKey = async (header, token) => {
    if (SYMMETRIC.includes(header.alg)) {
      if (secret) return secret;
    } else if (jwks && ASYMMETRIC.includes(header.alg)) {
      return jwks(header, token);
    }
    throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: config.clockToleranceSec,
        // A token without an expiry would be a credential forever.
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      return authFailure("invalid", `invalid bearer token: ${describe(error)}`, error);
    }
    const userId = claimAt(payload, config.userClaim);
    if (typeof userId !== "string" || userId === "") {
      return authFailure("invalid", `invalid bearer token: the "${config.userClaim}" claim must name the user`);
    }
    const roles = rolesOf(claimAt(payload, config.rolesClaim));
    const principal: Principal = { kind: "jwt", userId, role: roles.includes(config.adminRole) ? "admin" : "user" };
    if (config.accessLevelClaim !== undefined) {
      const level = accessLevelOf(claimAt(payload, config.accessLevelClaim));
      if (level === null) return authFailure("invalid", `invalid bearer token: the "${config.accessLevelClaim}" claim must be a non-negative integer`);
      if (level !== undefined) principal.accessLevel = level;
    }
    return principal;
  };
}

/** A roles claim is a string (space-separated, as OAuth scopes are) or an array of strings; anything else: none. */
function rolesOf(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(/\s+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((role): role is string => typeof role === "string");
  return [];
}

/** A non-negative integer (or its decimal text); undefined when absent, null when present but not one. */
function accessLevelOf(claim: unknown): number | undefined | null {
  if (claim === undefined) return undefined;
  const level = typeof claim === "string" && /^\d{1,9}$/.test(claim) ? Number(claim) : claim;
  return typeof level === "number" && Number.isSafeInteger(level) && level >= 0 ? level : null;
}

/** What the client may hear: which check failed, never key material or the token. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `the "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return "no known key matches the token";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return "the signing keys could not be fetched";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the signature does not verify";
  return "the token could not be verified";
}
