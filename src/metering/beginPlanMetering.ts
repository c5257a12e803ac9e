/**
 * Opens the meter for a routed chat: the plan's targets are priced (the dearest is the worst case) and the ticket
 * is tracked in the chat stream metrics. Every chat entry point (`/v1`, sessions, queued jobs) starts here, before
 * the router, so a request the budget or the token limit refuses never reaches an engine.
 */
import type { Plan } from "../routing/createRouter.js";
import { trackChat, type Metrics } from "../observability/createMetrics.js";
import type { Meter, MeterRequest, MeterTicket } from "./createMeter.js";

export async function beginPlanMetering(
  deps: { meter: Meter; metrics?: Metrics | undefined },
  plan: Plan,
  request: Omit<MeterRequest, "targets" | "route">,
): Promise<MeterTicket> {
  const ticket = await deps.meter.begin({ ...request, targets: plan.targets.map((t) => t.id), route: plan.name });
  return trackChat(ticket, deps.metrics, plan.targets.map((t) => t.engine.name));
}
