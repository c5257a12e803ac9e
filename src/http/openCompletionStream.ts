/**
 * The moment a streamed completion's answer is certain, for every API's sink: the cache verdict goes on the
 * reply's headers, the route takes the response over from Fastify, and the SSE head goes out with the headers the
 * hooks set (trace id, CORS, rate limits) under the API's own.
 */
import type { FastifyReply } from "fastify";
import { cacheHeader } from "../cache/cacheDecision.js";
import { staleWarning } from "../cache/staleOnError.js";
import type { CompletionHead } from "../completions/completionSink.js";
import { hijackHeaders } from "./security/hijackHeaders.js";
import { openSseStream, type SseStream } from "./sseStream.js";

export function openCompletionStream(reply: FastifyReply, head: CompletionHead, headers: Record<string, string>): SseStream {
  if (head.cache !== undefined) reply.header(cacheHeader, head.cache);
  if (head.cache === "stale") reply.header("warning", staleWarning);
  reply.hijack();
  return openSseStream(reply.raw, headers, hijackHeaders(reply));
}
