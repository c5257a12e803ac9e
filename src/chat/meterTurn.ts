/**
 * Metering of one session turn, which may call the engine several times (a tool loop). Each engine call is
 * metered on its own, as it happens: the budget reservation and the token limit check before the call count its
 * exact prompt (retrieved sources, tool results and tool definitions included), and each call writes its own
 * ledger row with its usage and price, so no call of a long loop can run unreserved or go uncounted. The chat
 * stream metrics count the turn once: started with its first call, ended with the turn, with every call's tokens.
 */
import { addUsage } from "../engines/addUsage.js";
import type { ChatMessage, ToolDefinition, Usage } from "../engines/spec.js";
import type { Meter, MeterOutcome, MeterTicket } from "../metering/createMeter.js";
import { trackChat, type Metrics } from "../observability/createMetrics.js";
import type { Plan } from "../routing/createRouter.js";
import type { Principal } from "../auth/principal.js";

export interface TurnMeterRequest {
  principal: Principal;
  traceId: string;
  requestId: string;
  /** The output limit the client (or the A/B variant) set. */
  maxTokens?: number | undefined;
}

export interface TurnMeter {
  /** Reserves for one engine call; throws budget_exceeded / rate_limited / store_unavailable as the meter does. */
  beginStep(messages: readonly ChatMessage[], tools: readonly ToolDefinition[]): Promise<MeterTicket>;
  /** Every call's usage so far, added up (undefined while none reported any). */
  usage(): Usage | undefined;
  /** Ends the turn in the chat metrics (once): its status, duration, the engine that served last. */
  end(outcome: Pick<MeterOutcome, "status" | "errorCode" | "latencyMs" | "engine" | "model">): void;
}

export function meterTurn(deps: { meter: Meter; metrics?: Metrics | undefined }, plan: Plan, request: TurnMeterRequest): TurnMeter {
  const targets = plan.targets.map((t) => t.id);
  let turn: MeterTicket | undefined;
  let total: Usage | undefined;

  return {
    async beginStep(messages, tools) {
      const ticket = await deps.meter.begin({
        principal: request.principal,
        targets,
        messages,
        tools: tools.length > 0 ? tools : undefined,
        maxTokens: request.maxTokens,
        route: plan.name,
        traceId: request.traceId,
        requestId: request.requestId,
      });
      // The ledger rows are the calls' own; the turn's ticket only feeds the chat metrics.
      turn ??= trackChat({ maxTokens: undefined, settle: () => undefined }, deps.metrics, plan.targets.map((t) => t.engine.name));
      return {
        maxTokens: ticket.maxTokens,
        settle(outcome) {
          ticket.settle(outcome);
          if (outcome.usage) total = addUsage(total, outcome.usage);
        },
      };
    },
    usage: () => total,
    end(outcome) {
      turn?.settle({ ...outcome, usage: total });
    },
  };
}
