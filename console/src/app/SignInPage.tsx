/**
 * Sign-in: the API key (or an identity provider's token) goes once to POST /api/v2/console/session and is
 * forgotten at once; the session lives on in an HttpOnly cookie and the CSRF token in memory.
 */
import { useState, type FormEvent } from "react";
import type { ApiClient } from "../api/createApiClient";
import { signInWithKey, signInWithToken } from "../api/consoleSession";
import type { AuthMode, ConsoleSession } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";

export interface SignInPageProps {
  api: ApiClient;
  /** Known once a session existed (it ended); unknown on a first visit. */
  authMode?: AuthMode | undefined;
  /** The previous session ended (401), so say why the user is here. */
  expired?: boolean;
  onSignedIn: (session: ConsoleSession) => void;
}

export function SignInPage({ api, authMode, expired = false, onSignedIn }: SignInPageProps) {
  const [apiKey, setApiKey] = useState("");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent, run: () => Promise<ConsoleSession>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await run();
      onSignedIn(session);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    } finally {
      // The credential is not kept, not even in this form.
      setApiKey("");
      setToken("");
    }
  };

  const showKey = authMode === undefined || authMode === "keys" || authMode === "keys+jwt";
  const jwt = authMode === "jwt" || authMode === "keys+jwt";
  const tokenForm = (
    <form className="stack" onSubmit={(event) => void submit(event, () => signInWithToken(api, token.trim()))}>
      <label htmlFor="sign-in-token">Token (JWT)</label>
      <textarea id="sign-in-token" rows={3} value={token} onChange={(e) => setToken(e.target.value)} required autoComplete="off" spellCheck={false} />
      <button type="submit" disabled={busy || token.trim() === ""}>
        Use token
      </button>
    </form>
  );

  return (
    <main className="sign-in" id="main">
      <h1>Switchyard console</h1>
      {expired ? <p role="status">Your session ended. Sign in again.</p> : null}
      {showKey ? (
        <form className="stack" onSubmit={(event) => void submit(event, () => signInWithKey(api, apiKey.trim()))}>
          <label htmlFor="sign-in-key">API key</label>
          <input id="sign-in-key" type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} required autoComplete="off" spellCheck={false} />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : null}
      {jwt ? (
        <section aria-labelledby="sign-in-jwt">
          <h2 id="sign-in-jwt">Sign in with your identity provider&apos;s token</h2>
          {tokenForm}
        </section>
      ) : authMode === undefined ? (
        <details className="sign-in-jwt">
          <summary>Sign in with your identity provider&apos;s token</summary>
          {tokenForm}
        </details>
      ) : null}
      <ErrorMessage error={error} prefix="Sign-in failed" />
    </main>
  );
}
