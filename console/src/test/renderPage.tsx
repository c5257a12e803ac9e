/** Renders a page inside a signed-in console (context, API client over a fake fetch), as the Shell would. */
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { ConsoleContext, type ConsoleContextValue } from "../app/ConsoleContext";
import { createApiClient } from "../api/createApiClient";
import type { ConsoleSession } from "../api/types";
import type { FakeFetch } from "./fakeFetch";

export const CSRF = "csrf-token-1";

export function sessionFor(role: "admin" | "user", features: ConsoleSession["features"] = {}): ConsoleSession {
  return {
    user: { userId: role === "admin" ? "root" : "alice", role, kind: "key", keyId: "key-1" },
    csrfToken: CSRF,
    expiresAt: "2030-01-01T00:00:00.000Z",
    authMode: "keys",
    features: { sessionApi: true, experiments: true, apiDocs: true, console: true, ...features },
  };
}

export interface RenderPageOptions {
  fake: FakeFetch;
  role?: "admin" | "user";
  session?: ConsoleSession;
  seams?: Partial<Omit<ConsoleContextValue, "api" | "session">>;
}

export function renderPage(ui: ReactElement, options: RenderPageOptions): RenderResult & { unauthorized: () => number } {
  let unauthorized = 0;
  const api = createApiClient({ fetch: options.fake.fetch, onUnauthorized: () => unauthorized++ });
  const session = options.session ?? sessionFor(options.role ?? "admin");
  api.setCsrfToken(session.csrfToken);
  const value: ConsoleContextValue = {
    api,
    session,
    signOut: () => undefined,
    createXhr: () => {
      throw new Error("no XMLHttpRequest in this test");
    },
    sleep: async () => undefined,
    now: () => 0,
    copy: async () => undefined,
    ...options.seams,
  };
  const result = render(<ConsoleContext.Provider value={value}>{ui}</ConsoleContext.Provider>);
  return { ...result, unauthorized: () => unauthorized };
}
