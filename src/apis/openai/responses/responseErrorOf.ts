/**
 * A failure after the stream started, as a failed response's `error`. The API's clients know a closed set of
 * codes (ResponseError); of the gateway's, only a rate limit has its own there, and everything else that can
 * break a started stream (an upstream fault, a timeout, an engine gone) is the server's side: `server_error`.
 * A guardrail's refusal keeps its own code and names its rule: no code of the set says that the gateway's policy
 * stopped the answer, and `server_error` would tell a client to retry what will be refused again.
 */
import type { GatewayError } from "../../../errors.js";
import type { ResponseFailure } from "./responseEvents.js";

export function responseErrorOf(error: GatewayError): ResponseFailure {
  if (error.code === "guardrail_refused") return { code: error.code, message: error.message, ...(error.rule === undefined ? {} : { rule: error.rule }) };
  return { code: error.code === "rate_limited" ? "rate_limit_exceeded" : "server_error", message: error.message };
}
