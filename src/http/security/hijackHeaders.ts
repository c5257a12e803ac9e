/**
 * The headers hooks put on a reply (trace id, CORS, rate limits, …), for a route that hijacks the response and
 * writes its own head (SSE): Fastify sends them only with replies it sends itself. Body framing headers are left
 * out: the hijacking route decides those.
 */
import type { FastifyReply } from "fastify";

const framing = new Set(["content-type", "content-length", "transfer-encoding"]);

export function hijackHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || framing.has(name.toLowerCase())) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return headers;
}
