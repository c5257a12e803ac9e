/**
 * The console's root: finds out whether a session exists (GET /api/v2/console/session; the cookie is invisible
 * to scripts), shows sign-in until one does, and goes back to sign-in whenever an API call answers 401.
 */
import { useMemo, useState, useEffect } from "react";
import { createApiClient, type FetchLike } from "../api/createApiClient";
import { loadSession, signOut } from "../api/consoleSession";
import type { AuthMode, ConsoleSession } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { ConsoleContext, type ConsoleContextValue, type ConsoleSeams } from "./ConsoleContext";
import { Shell } from "./Shell";
import { SignInPage } from "./SignInPage";

type State =
  | { status: "loading" }
  | { status: "failed"; error: unknown }
  | { status: "signedOut"; authMode?: AuthMode; expired: boolean }
  | { status: "signedIn"; session: ConsoleSession };

export interface AppProps extends ConsoleSeams {
  fetch: FetchLike;
}

export function App({ fetch, ...seams }: AppProps) {
  const [state, setState] = useState<State>({ status: "loading" });
  const api = useMemo(
    () =>
      createApiClient({
        fetch,
        onUnauthorized: () =>
          setState((previous) => (previous.status === "signedIn" ? { status: "signedOut", authMode: previous.session.authMode, expired: true } : previous)),
      }),
    [fetch],
  );

  useEffect(() => {
    let live = true;
    loadSession(api).then(
      (session) => {
        if (live) setState(session === undefined ? { status: "signedOut", expired: false } : { status: "signedIn", session });
      },
      (error: unknown) => {
        if (live) setState({ status: "failed", error });
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const context = useMemo<ConsoleContextValue | undefined>(() => {
    if (state.status !== "signedIn") return undefined;
    const session = state.session;
    return {
      ...seams,
      api,
      session,
      signOut: () => {
        void signOut(api)
          .catch(() => undefined)
          .then(() => setState({ status: "signedOut", authMode: session.authMode, expired: false }));
      },
    };
    // The seams are fixed for the app's life.
  }, [state, api]);

  switch (state.status) {
    case "loading":
      return (
        <p className="loading" role="status">
          Loading…
        </p>
      );
    case "failed":
      return (
        <main className="sign-in" id="main">
          <h1>Switchyard console</h1>
          <ErrorMessage error={state.error} prefix="The gateway did not answer" />
        </main>
      );
    case "signedOut":
      return <SignInPage api={api} authMode={state.authMode} expired={state.expired} onSignedIn={(session) => setState({ status: "signedIn", session })} />;
    case "signedIn":
      return (
        <ConsoleContext.Provider value={context}>
          <Shell session={state.session} onSignOut={() => context?.signOut()} />
        </ConsoleContext.Provider>
      );
  }
}
