/**
 * The moment a streamed completion's answer is certain, for every API's sink: the cache verdict goes on the
 * reply's headers, the route takes the response over from Fastify, and the SSE head goes out with the headers the
 * hooks set (trace id, CORS, rate limits) under the API's own.
 */
import type { FastifyReply } from "fastify";
import type { CompletionHead } from "../completions/completionSink.js";
import { setCacheHeaders } from "./cacheHeaders.js";
import { hijackHeaders } from "./security/hijackHeaders.js";
import { openSseStream, type SseStream } from "./sseStream.js";

export function openCompletionStream(reply: FastifyReply, head: CompletionHead, headers: Record<string, string>): SseStream {
  setCacheHeaders(reply, head);
  reply.hijack();
  return openSseStream(reply.raw, headers, hijackHeaders(reply));
}
