import type { Principal } from "./principal.js";

/** Why a request could not be authenticated. `missing`: no credential at all; `invalid`: one that does not verify. */
export interface AuthFailure {
  kind: "failure";
  reason: "missing" | "invalid";
  /** Safe to show the client: never echoes the credential. */
  message: string;
  /** For the logs only: what went wrong underneath (a JWKS endpoint that did not answer, say). */
  cause?: unknown;
}

export function authFailure(reason: AuthFailure["reason"], message: string, cause?: unknown): AuthFailure {
  return cause === undefined ? { kind: "failure", reason, message } : { kind: "failure", reason, message, cause };
}

export function isAuthFailure(result: Principal | AuthFailure): result is AuthFailure {
  return result.kind === "failure";
}
