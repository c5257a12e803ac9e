/**
 * The console's one way to the gateway: same-origin fetches that carry the session cookie, the CSRF token on every
 * change, JSON in and out, and one place that notices a lost session (401) and sends the user back to sign in.
 * The CSRF token lives in this closure only: never in storage, never in the DOM.
 */
import { ApiError, apiErrorFrom } from "./apiError";

/** The fetch the client calls: the browser's, or a typed fake in tests. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type ChangeMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Extra headers (a sign-in's bearer token). */
  headers?: Record<string, string> | undefined;
  /** A 401 here is the answer itself (sign-in), not a lost session. */
  expectUnauthorized?: boolean | undefined;
}

export interface ApiClient {
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  /** A change with a JSON body (or none); resolves undefined for 204. */
  send<T>(method: ChangeMethod, path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  /** A POST whose answer is read as a stream (SSE): the response once its status is known to be good. */
  open(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  /** The headers every change needs (also for uploads made with XMLHttpRequest). */
  changeHeaders(): Record<string, string>;
  setCsrfToken(token: string): void;
  /** For calls made outside the client (uploads): a 401 there also means the session is gone. */
  reportFailure(error: unknown): void;
}

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Called when a request finds the session gone (401). */
  onUnauthorized?: () => void;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  let csrfToken = "";

  const changeHeaders = (): Record<string, string> => (csrfToken === "" ? {} : { "x-csrf-token": csrfToken });

  const call = async (method: string, path: string, body: unknown, request: RequestOptions | undefined): Promise<Response> => {
    const headers: Record<string, string> = { accept: "application/json", ...(method === "GET" ? {} : changeHeaders()), ...request?.headers };
    const init: RequestInit = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (request?.signal !== undefined) init.signal = request.signal;
    const response = await options.fetch(path, init);
    if (response.ok) return response;
    const error = await apiErrorFrom(response);
    if (error.status === 401 && request?.expectUnauthorized !== true) options.onUnauthorized?.();
    throw error;
  };

  const json = async <T>(response: Response): Promise<T> => {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, "invalid_response", "The gateway's answer was not JSON");
    }
  };

  return {
    get: async <T>(path: string, request?: RequestOptions) => json<T>(await call("GET", path, undefined, request)),
    send: async <T>(method: ChangeMethod, path: string, body?: unknown, request?: RequestOptions) => json<T>(await call(method, path, body, request)),
    open: async (path, body, request) => call("POST", path, body, { ...request, headers: { accept: "text/event-stream", ...request?.headers } }),
    changeHeaders,
    setCsrfToken(token) {
      csrfToken = token;
    },
    reportFailure(error) {
      if (error instanceof ApiError && error.status === 401) options.onUnauthorized?.();
    },
  };
}

/** A query string from the set values only (an empty filter is no filter). */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
