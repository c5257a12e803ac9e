/**
 * JSON request bodies with a nesting limit. Fastify's own parser (kept for everything else: empty bodies,
 * __proto__ and constructor poisoning) accepts any depth, and a body nested some thousands of levels deep in a
 * field passed through to an engine overflows the stack when it is serialised again — a 5xx a client could cause
 * at will, and one that counted against the engine's circuit breaker. No legitimate request comes near the limit.
 */
import type { FastifyInstance } from "fastify";
import { GatewayError } from "../../errors.js";

export const MAX_JSON_DEPTH = 128;

export function jsonBodyParser(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (nestedDeeperThan(text, maxDepth)) {
      done(new GatewayError("invalid_request", `request body is nested deeper than ${maxDepth} levels`), undefined);
      return;
    }
    // The default parser answers through done; its type also allows a parser that returns a promise instead.
    void parse(request, text, done);
  });
}

/** One pass over the text, brackets inside strings not counted; malformed JSON is left for the parser to report. */
export function nestedDeeperThan(text: string, maxDepth: number): boolean {
  // A body with no more opening brackets than the limit cannot nest past it: native searches settle most bodies
  // (a long prompt is long in its strings, not in its brackets) without the character loop below.
  if (openingBrackets(text, maxDepth + 1) <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Opening brackets in the text, counted up to `enough`. */
function openingBrackets(text: string, enough: number): number {
  let count = 0;
  for (const bracket of ["{", "["]) {
    for (let at = text.indexOf(bracket); at !== -1 && count < enough; at = text.indexOf(bracket, at + 1)) count++;
  }
  return count;
}
