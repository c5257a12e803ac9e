/**
 * The cache's verdict on a reply, for every API alike: `x-switchyard-cache`, the similarity of a semantic hit
 * (`x-switchyard-cache-score`, four decimals) and the RFC 7234 warning on a stale answer.
 */
import type { FastifyReply } from "fastify";
import { cacheHeader } from "../cache/cacheDecision.js";
import { staleWarning } from "../cache/staleOnError.js";
import type { CompletionHead } from "../completions/completionSink.js";

export const cacheScoreHeader = "x-switchyard-cache-score";

export function setCacheHeaders(reply: FastifyReply, head: Pick<CompletionHead, "cache" | "cacheScore">): void {
  if (head.cache === undefined) return;
  reply.header(cacheHeader, head.cache);
  if (head.cache === "stale") reply.header("warning", staleWarning);
  if (head.cacheScore !== undefined) reply.header(cacheScoreHeader, head.cacheScore.toFixed(4));
}
