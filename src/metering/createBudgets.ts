/**
 * Budgets per API key (the key's own, `principal.budget`) and per user (`budgets.perUser`), each over a UTC
 * window. A request reserves its worst-case cost in every budget that applies before the engine is called and
 * is refused with `budget_exceeded` when any of them cannot hold it; settling replaces the reservation by the
 * real cost and reports the alert thresholds that spend just crossed.
 */
import type { Budget, BudgetWindow, Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import type { BudgetCounters } from "./budgetCounters.js";
import { windowEnd, windowStart } from "./budgetWindow.js";

export type BudgetSubjectKind = "key" | "user";

export interface ThresholdAlert {
  subject: BudgetSubjectKind;
  userId: string;
  /** Set for a key's budget. */
  keyId?: string;
  window: BudgetWindow;
  /** ISO 8601 start of the window the spend belongs to. */
  windowStart: string;
  budgetUsd: number;
  spentUsd: number;
  /** The fraction of the budget crossed (one of budgets.alertAt). */
  threshold: number;
}

export interface BudgetHold {
  /** The amount reserved in each applicable budget (0 when none applies). */
  readonly reservedUsd: number;
  /** Replaces the reservation by `costUsd` (0 releases it); the thresholds crossed. Call once. */
  settle(costUsd: number): Promise<ThresholdAlert[]>;
}

export interface Budgets {
  /** Throws `budget_exceeded` (402) when a budget that applies cannot hold `amountUsd` on top of what it holds. */
  reserve(principal: Principal, amountUsd: number, now: number): Promise<BudgetHold>;
}

export interface BudgetsSettings {
  counters: BudgetCounters;
  perUser?: Budget | undefined;
  alertAt: readonly number[];
  /** What a subject spent since `since` (epoch ms), from the ledger. */
  spentSince(subject: { kind: BudgetSubjectKind; id: string }, since: number): Promise<number>;
}

interface Applied {
  kind: BudgetSubjectKind;
  id: string;
  budget: Budget;
  windowStart: number;
  key: string;
}

export function createBudgets(settings: BudgetsSettings): Budgets {
  const applicable = (principal: Principal, now: number): Applied[] => {
    const subjects: Array<{ kind: BudgetSubjectKind; id: string; budget: Budget }> = [];
    if (principal.keyId !== undefined && principal.budget !== undefined) subjects.push({ kind: "key", id: principal.keyId, budget: principal.budget });
    if (settings.perUser !== undefined) subjects.push({ kind: "user", id: principal.userId, budget: settings.perUser });
    return subjects.map((subject) => {
      const start = windowStart(subject.budget.window, now);
      return { ...subject, windowStart: start, key: `${subject.kind}:${subject.id}|${subject.budget.window}|${start}` };
    });
  };

  return {
    async reserve(principal, amountUsd, now) {
      const applied = applicable(principal, now);
      if (applied.length === 0) return { reservedUsd: 0, settle: async () => [] };
      const outcome = await settings.counters.reserve(
        applied.map((a) => ({
          key: a.key,
          subject: `${a.kind}:${a.id}`,
          windowStart: a.windowStart,
          windowEnd: windowEnd(a.budget.window, a.windowStart),
          limitUsd: a.budget.usd,
          amountUsd,
          load: () => settings.spentSince({ kind: a.kind, id: a.id }, a.windowStart),
        })),
      );
      if (!outcome.ok) {
        const refused = applied.find((a) => a.key === outcome.key) as Applied;
        throw refusal(refused, amountUsd, outcome.spentUsd + outcome.reservedUsd, now);
      }
      let settled = false;
      return {
        reservedUsd: amountUsd,
        async settle(costUsd) {
          if (settled) return [];
          settled = true;
          const alerts: ThresholdAlert[] = [];
          for (const a of applied) {
            const spend = await settings.counters.settle(a.key, amountUsd, costUsd);
            if (spend === undefined) continue;
            for (const threshold of settings.alertAt) {
              const line = threshold * a.budget.usd;
              // Spend only grows within a window, so each threshold is crossed (and reported) once per window.
              if (spend.beforeUsd < line - 1e-12 && spend.afterUsd >= line - 1e-12) alerts.push(alertOf(a, principal, spend.afterUsd, threshold));
            }
          }
          return alerts;
        },
      };
    },
  };
}

function refusal(applied: Applied, amountUsd: number, heldUsd: number, now: number): GatewayError {
  const { budget } = applied;
  const end = windowEnd(budget.window, applied.windowStart);
  const per = budget.window === "total" ? "in total" : `per ${budget.window}`;
  const whose = applied.kind === "key" ? "this API key's" : "your";
  const resets = end === undefined ? "" : `; it resets at ${new Date(end).toISOString()}`;
  return new GatewayError(
    "budget_exceeded",
    `${whose} budget of $${budget.usd} ${per} cannot cover this request (up to $${round(amountUsd)} on top of $${round(heldUsd)} spent or reserved)${resets}`,
    end === undefined ? {} : { retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)) },
  );
}

function alertOf(applied: Applied, principal: Principal, spentUsd: number, threshold: number): ThresholdAlert {
  return {
    subject: applied.kind,
    userId: principal.userId,
    ...(applied.kind === "key" ? { keyId: applied.id } : {}),
    window: applied.budget.window,
    windowStart: new Date(applied.windowStart).toISOString(),
    budgetUsd: applied.budget.usd,
    spentUsd,
    threshold,
  };
}

function round(usd: number): string {
  return usd.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
}
