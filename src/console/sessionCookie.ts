/**
 * The console session cookie: its name, how it is read from a request, and how it is written. HttpOnly (no script
 * reads it), SameSite=Strict (no other site's page sends it), Secure whenever the request came over TLS, and Path=/
 * because the console calls /v1 as well as /api.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parseCookie, stringifySetCookie } from "cookie";
import { credentialFrom } from "../auth/credentialFrom.js";

export const SESSION_COOKIE = "switchyard_console";
export const CSRF_HEADER = "x-csrf-token";

/**
 * The session token a request carries, unless it also carries a credential of its own (a client that sends
 * Authorization or X-API-Key means that credential, and no browser adds those to another site's request).
 */
export function sessionTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const cookie = headers.cookie;
  if (cookie === undefined || !cookie.includes(SESSION_COOKIE)) return undefined;
  if (credentialFrom(headers) !== undefined) return undefined;
  const token = parseCookie(cookie)[SESSION_COOKIE];
  return token ? token : undefined;
}

export function sessionCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: token, httpOnly: true, sameSite: "strict", path: "/", secure: options.secure, maxAge: options.maxAgeSeconds });
}

export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: "", httpOnly: true, sameSite: "strict", path: "/", secure, maxAge: 0, expires: new Date(0) });
}

/** Methods that change state: the ones a session's caller must prove with the CSRF token came from the console. */
export function needsCsrfToken(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}
