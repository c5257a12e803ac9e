/** What every page needs: the API client, the signed-in session, and the browser seams tests replace. */
import { createContext, useContext } from "react";
import type { ApiClient } from "../api/createApiClient";
import type { ConsoleSession } from "../api/types";
import type { XhrLike } from "../pages/documents/uploadDocument";

export interface ConsoleSeams {
  /** Makes the XMLHttpRequest an upload runs on (it reports upload progress; fetch does not). */
  createXhr: () => XhrLike;
  /** Waits (between retries, polls). */
  sleep: (ms: number) => Promise<void>;
  /** A clock for time measured in the browser (time to first token). */
  now: () => number;
  /** Copies text for the user; undefined where the browser offers no clipboard. */
  copy: ((text: string) => Promise<void>) | undefined;
}

export interface ConsoleContextValue extends ConsoleSeams {
  api: ApiClient;
  session: ConsoleSession;
  signOut: () => void;
}

export const ConsoleContext = createContext<ConsoleContextValue | undefined>(undefined);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (value === undefined) throw new Error("useConsole outside the signed-in console");
  return value;
}

export function isAdmin(session: ConsoleSession): boolean {
  return session.user.role === "admin";
}
