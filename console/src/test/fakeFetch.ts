/**
 * A typed fake of fetch for the console's tests: routes answer by method and path, every call is recorded (with
 * its headers and parsed body) for the test to assert on, and an unexpected call answers 404 so it shows.
 */
import type { FetchLike } from "../api/createApiClient";

export interface RecordedCall {
  method: string;
  /** Path and query, as the console asked. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** The request's abort signal, for a fake stream that must end when the console stops reading. */
  signal: AbortSignal | undefined;
}

export type Responder = (call: RecordedCall) => Response | Promise<Response>;

export interface FakeRoute {
  method?: string;
  /** The path without its query, or a pattern tested against path and query. */
  path: string | RegExp;
  /** A function of the call, a Response, or a body answered as JSON with 200. */
  respond: Responder | Response | object;
}

export interface FakeFetch {
  fetch: FetchLike;
  calls: RecordedCall[];
  /** Calls to this method and path (without query). */
  callsTo(method: string, path: string): RecordedCall[];
  /** Adds routes checked before the earlier ones. */
  route(...routes: FakeRoute[]): void;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function apiError(status: number, code: string, message: string): Response {
  return json({ error: { code, message, traceId: "trace-err" } }, status);
}

/**
 * A text/event-stream body delivered in exactly these pieces (each one read of the stream). With `hold`, the
 * stream stays open after them until the signal aborts it, as a real fetch body does.
 */
export function sse(pieces: string[], headers: Record<string, string> = {}, hold?: AbortSignal): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      hold?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")), { once: true });
    },
    pull(controller) {
      const piece = pieces[index++];
      if (piece !== undefined) controller.enqueue(encoder.encode(piece));
      else if (hold === undefined) controller.close();
      else return new Promise<void>(() => undefined);
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream", ...headers } });
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

export function createFakeFetch(routes: FakeRoute[] = []): FakeFetch {
  const table = [...routes];
  const calls: RecordedCall[] = [];
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input, "http://console.test");
    const raw = typeof init?.body === "string" ? init.body : undefined;
    const call: RecordedCall = {
      method: (init?.method ?? "GET").toUpperCase(),
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      query: url.searchParams,
      headers: headersOf(init),
      body: raw === undefined ? undefined : (JSON.parse(raw) as unknown),
      signal: init?.signal ?? undefined,
    };
    calls.push(call);
    if (init?.signal?.aborted === true) throw new DOMException("aborted", "AbortError");
    const match = table.find(
      (route) => (route.method ?? "GET").toUpperCase() === call.method && (typeof route.path === "string" ? route.path === call.path : route.path.test(call.url)),
    );
    if (match === undefined) return apiError(404, "not_found", `no fake for ${call.method} ${call.url}`);
    const answer = match.respond;
    if (typeof answer === "function") return (answer as Responder)(call);
    if (answer instanceof Response) return answer.clone();
    return json(answer);
  };
  return {
    fetch,
    calls,
    callsTo: (method, path) => calls.filter((call) => call.method === method && call.path === path),
    route: (...more) => table.unshift(...more),
  };
}
