/**
 * What a guardrail check knows of the request it checks: the caller and ids (for the verdicts' log lines, the
 * webhook payload and a refused request's ledger row), the request's signal (a webhook call stops when the client
 * leaves), and its route, asked for only when a refusal is recorded.
 */
import type { Principal } from "../auth/principal.js";
import type { Logger } from "../logger.js";

export interface GuardContext {
  readonly principal: Principal;
  readonly requestId: string;
  readonly traceId: string;
  readonly log: Logger;
  signal(): AbortSignal;
  /** The route, `auto` or `engine/model` the request asked for, as the usage ledger records it. */
  route(): string;
}
