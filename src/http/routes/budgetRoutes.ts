/**
 * Budgets and what has been spent against them in the current window: `GET /api/v2/admin/budgets` (every
 * active key with a budget, and the per-user budget of every user with a key or with spend in its window) and
 * `GET /api/v2/budgets` (the caller's own). Spend is the ledger's: settled costs, after this replica's buffered
 * rows are written; reservations of requests still running are not in it.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import type { ApiKey, ApiKeyStore } from "../../store/apiKeys.js";
import type { UsageLedger } from "../../store/usageLedger.js";
import type { BudgetsConfig } from "../../config/securitySchema.js";
import type { Budget, BudgetWindow } from "../../auth/principal.js";
import { windowEnd, windowStart } from "../../metering/budgetWindow.js";
import { guardStore } from "../../chat/guardStore.js";

const shape =
  '`{alertAt, data: [{subject: "key"|"user", id, userId, name?, window, windowStart, windowEnd, budgetUsd, spentUsd}]}`: the window is the current UTC day, month, or all time (windowEnd null); alertAt is budgets.alertAt. Ordered by user, the user\'s own budget before their keys\'.';
const noQuery = Type.Object({}, { additionalProperties: false });
const ownSchema = { tags: ["usage"], summary: "Your budgets", description: `Your keys' budgets and your per-user budget: ${shape}`, querystring: noQuery };
const adminSchema = {
  tags: ["usage"],
  summary: "Budgets",
  description: `Every active key with a budget, and budgets.perUser for each user with an active key or spend in the window: ${shape}`,
  querystring: noQuery,
};

export interface BudgetRouteDeps {
  apiKeys: ApiKeyStore;
  usage: UsageLedger;
  budgets: Pick<BudgetsConfig, "perUser" | "alertAt">;
  /** Writes this replica's buffered ledger rows first, so the spend includes the latest requests. */
  flush(): Promise<void>;
  now?: () => number;
}

interface BudgetItem {
  subject: "key" | "user";
  id: string;
  userId: string;
  name?: string;
  window: BudgetWindow;
  windowStart: string;
  windowEnd: string | null;
  budgetUsd: number;
  spentUsd: number;
}

export function budgetRoutes(app: FastifyInstance, deps: BudgetRouteDeps): void {
  const now = deps.now ?? Date.now;
  const perUser = deps.budgets.perUser;

  const keyItems = (keys: readonly ApiKey[], at: number) =>
    Promise.all(
      keys.filter((key) => isActive(key, at)).flatMap((key) => {
        const budget = budgetOf(key);
        if (budget === undefined) return [];
        const start = windowStart(budget.window, at);
        return [deps.usage.spentSince({ kind: "key", id: key.id }, start).then((spent) => item("key", key.id, key.userId, budget, start, spent, key.name))];
      }),
    );

  app.get("/api/v2/budgets", { config: { policy: "user" }, schema: ownSchema }, async (request) => {
    const userId = request.principal.userId;
    const at = now();
    await deps.flush();
    const data = await guardStore(async () => {
      const keys = await keyItems(await deps.apiKeys.listByUser(userId), at);
      if (perUser === undefined) return keys;
      const start = windowStart(perUser.window, at);
      return [item("user", userId, userId, perUser, start, await deps.usage.spentSince({ kind: "user", id: userId }, start)), ...keys];
    });
    return { alertAt: deps.budgets.alertAt, data: ordered(data) };
  });

  app.get("/api/v2/admin/budgets", { config: { policy: "admin" }, schema: adminSchema }, async () => {
    const at = now();
    await deps.flush();
    const data = await guardStore(async () => {
      const all = await deps.apiKeys.list();
      const keys = await keyItems(all, at);
      if (perUser === undefined) return keys;
      const start = windowStart(perUser.window, at);
      const spent = await deps.usage.spentSinceByUser(start);
      const users = new Set([...all.filter((key) => isActive(key, at)).map((key) => key.userId), ...spent.keys()]);
      return [...[...users].map((userId) => item("user", userId, userId, perUser, start, spent.get(userId) ?? 0)), ...keys];
    });
    return { alertAt: deps.budgets.alertAt, data: ordered(data) };
  });
}

/** Not revoked and not expired: a key that can still spend. */
function isActive(key: ApiKey, at: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > at);
}

function budgetOf(key: ApiKey): Budget | undefined {
  return key.budgetUsd !== null && key.budgetWindow !== null ? { usd: key.budgetUsd, window: key.budgetWindow } : undefined;
}

function item(subject: "key" | "user", id: string, userId: string, budget: Budget, start: number, spentUsd: number, name?: string): BudgetItem {
  const end = windowEnd(budget.window, start);
  return {
    subject,
    id,
    userId,
    ...(name === undefined ? {} : { name }),
    window: budget.window,
    windowStart: new Date(start).toISOString(),
    windowEnd: end === undefined ? null : new Date(end).toISOString(),
    budgetUsd: budget.usd,
    spentUsd,
  };
}

function ordered(items: BudgetItem[]): BudgetItem[] {
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort(
    (a, b) => text(a.userId, b.userId) || (a.subject === b.subject ? 0 : a.subject === "user" ? -1 : 1) || text(a.name ?? "", b.name ?? "") || text(a.id, b.id),
  );
}
