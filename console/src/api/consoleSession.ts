/** Signing in and out of the console (`/api/v2/console/session`), keeping the CSRF token in the client's memory. */
import { ApiError } from "./apiError";
import type { ApiClient } from "./createApiClient";
import type { ConsoleSession } from "./types";

const PATH = "/api/v2/console/session";

/** The current session from the cookie, or undefined when there is none. */
export async function loadSession(api: ApiClient): Promise<ConsoleSession | undefined> {
  try {
    const session = await api.get<ConsoleSession>(PATH, { expectUnauthorized: true });
    api.setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** Sends the API key once; only the cookie and the CSRF token remain. */
export async function signInWithKey(api: ApiClient, apiKey: string): Promise<ConsoleSession> {
  const session = await api.send<ConsoleSession>("POST", PATH, { apiKey }, { expectUnauthorized: true });
  api.setCsrfToken(session.csrfToken);
  return session;
}

/** An identity provider's token (JWT) as a bearer credential, for gateways that trust them. */
export async function signInWithToken(api: ApiClient, token: string): Promise<ConsoleSession> {
  const session = await api.send<ConsoleSession>("POST", PATH, {}, { expectUnauthorized: true, headers: { authorization: `Bearer ${token}` } });
  api.setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(api: ApiClient): Promise<void> {
  try {
    await api.send<undefined>("DELETE", PATH, undefined, { expectUnauthorized: true });
  } finally {
    api.setCsrfToken("");
  }
}
