/**
 * Security headers on every response. The API serves no HTML, so the content security policy allows nothing and
 * no page may frame a response. HSTS goes out only on requests that came over TLS (directly, or via a trusted
 * proxy's X-Forwarded-Proto): on plain HTTP it means nothing, and a development server on http://localhost must
 * not pin a browser to HTTPS for a year.
 *
 * helmet decides the headers, but once per set of options rather than per request: @fastify/helmet builds a new
 * helmet (parsing the CSP directives again) on every request, which cost more than authentication. None of these
 * headers depends on the request. requestStart writes them onto the raw response, so responses that hijack it
 * (SSE) carry them too.
 */
import type { FastifyContextConfig } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet, { type HelmetOptions } from "helmet";

type CspOptions = NonNullable<Parameters<typeof helmet.contentSecurityPolicy>[0]>;

export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

declare module "fastify" {
  interface FastifyContextConfig {
    /** This route's content security policy, instead of the API's (the docs UI needs scripts and styles). */
    securityHeaders?: { contentSecurityPolicy: CspOptions };
  }
}

const apiOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: "deny" },
  // Helmet can only send it always or never; the hook below decides per request.
  strictTransportSecurity: false,
} satisfies HelmetOptions;

type HeaderList = ReadonlyArray<readonly [string, string]>;

/** What helmet would set for `options`, found by running it once against a response that records. */
export function helmetHeaders(options: HelmetOptions): HeaderList {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value)]);
      return recorder;
    },
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- helmet's own failure, passed on as it came
    if (error) throw error;
  });
  return headers;
}

const apiHeaders = helmetHeaders(apiOptions);
// Per route configuration object, so a route with its own options is worked out on its first request.
const byRoute = new WeakMap<object, HeaderList>();

/** The headers for a route's configuration (requestStart writes them on every response). */
export function securityHeadersFor(config: FastifyContextConfig | undefined): HeaderList {
  if (config?.securityHeaders === undefined) return apiHeaders;
  let headers = byRoute.get(config);
  if (headers === undefined) {
    headers = helmetHeaders({ ...apiOptions, contentSecurityPolicy: config.securityHeaders.contentSecurityPolicy });
    byRoute.set(config, headers);
  }
  return headers;
}
