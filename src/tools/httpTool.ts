/**
 * A configured `http` tool: the arguments go to the operator's URL (query parameters for GET, a JSON body for
 * POST) and the response comes back as the tool's result. Bounded every way a remote server could hold a turn up:
 * the call's signal (its timeout, the client leaving) aborts it, a response beyond `maxResponseBytes` is cut off
 * and fails, and redirects are followed only within the configured origin (at most a few), so a tool can never be
 * bounced to another host with its headers. Error messages name the status, never the URL or the headers, which
 * may carry credentials.
 */
import type { Readable } from "node:stream";
import { request, type Dispatcher } from "undici";
import type { HttpToolConfig } from "../config/toolsSchema.js";
import { GatewayError } from "../errors.js";
import type { ServerTool } from "./serverTool.js";

const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Characters of an error response shown to the model: what the server said, not a whole page. */
const ERROR_EXCERPT = 300;

export function httpTool(config: HttpToolConfig, dispatcher: Dispatcher): ServerTool {
  const origin = new URL(config.url).origin;
  const failure = (message: string) => new GatewayError("upstream_error", message);

  return {
    name: config.name,
    description: config.description,
    parameters: config.parameters,
    timeoutMs: config.timeoutMs,
    async run(args, { signal }) {
      let url = new URL(config.url);
      let method: "GET" | "POST" = config.method;
      let body: string | undefined;
      if (method === "GET") for (const [name, value] of Object.entries(args)) url.searchParams.set(name, typeof value === "string" ? value : JSON.stringify(value));
      else body = JSON.stringify(args);

      for (let redirects = 0; ; redirects++) {
        const headers: Record<string, string> = { accept: "application/json, text/plain;q=0.9, */*;q=0.1", ...config.headers };
        if (body !== undefined) headers["content-type"] = "application/json";
        const response = await request(url, { method, headers, body, signal, dispatcher });
        if (REDIRECTS.has(response.statusCode)) {
          await response.body.dump({ limit: 16 * 1024 }).catch(() => undefined);
          const location = firstHeader(response.headers.location);
          if (location === undefined) throw failure(`the tool's server answered ${response.statusCode} without a location`);
          const next = new URL(location, url);
          if (next.origin !== origin) throw failure("the tool's server redirected to another host; redirects are only followed within the configured origin");
          if (redirects >= MAX_REDIRECTS) throw failure(`the tool's server redirected more than ${MAX_REDIRECTS} times`);
          // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
          if (response.statusCode === 303 || (method === "POST" && response.statusCode < 303)) {
            method = "GET";
            body = undefined;
          }
          url = next;
          continue;
        }
        const text = await readAtMost(response.body, config.maxResponseBytes, firstHeader(response.headers["content-length"]));
        if (response.statusCode >= 400) {
          throw failure(`the tool's server answered ${response.statusCode}${text.trim() === "" ? "" : `: ${Array.from(text.trim()).slice(0, ERROR_EXCERPT).join("")}`}`);
        }
        return resultOf(text, firstHeader(response.headers["content-type"]));
      }
    },
  };
}

/** The whole body, or a failure as soon as it is known to exceed `limit` bytes (the rest is not downloaded). */
async function readAtMost(body: Readable, limit: number, contentLength: string | undefined): Promise<string> {
  const tooLarge = () => new GatewayError("upstream_error", `the tool's response is larger than ${limit} bytes`);
  if (contentLength !== undefined && Number(contentLength) > limit) {
    body.destroy();
    throw tooLarge();
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) {
      body.destroy();
      throw tooLarge();
    }
    parts.push(part);
  }
  return Buffer.concat(parts, size).toString("utf8");
}

/** JSON when the server says so (or it parses as such), else the text itself. */
function resultOf(text: string, contentType: string | undefined): unknown {
  const json = contentType === undefined || /\bjson\b/i.test(contentType);
  if (!json) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (contentType !== undefined) throw new GatewayError("upstream_error", "the tool's server sent JSON that does not parse");
    return text;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
