/**
 * Budget counters shared by every replica, in Redis: one hash per budget window (`spent`, `reserved`). Checking
 * every window a request touches and reserving in all of them is one Lua script, so two replicas cannot both take
 * the last room in a budget. All budget keys carry the hash tag `{budgets}`: a multi-key script needs its keys in
 * one slot on Redis Cluster. A window's spend is loaded from the ledger the first time any replica uses it.
 *
 * While Redis is unreachable: in open fail mode this process's own counters (loaded from the ledger) take over;
 * in closed mode requests under a budget get 503 store_unavailable. Settlements Redis could not take are kept
 * (bounded) and replayed when it answers again, so a reservation is not left holding budget room.
 */
import type { Redis } from "ioredis";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import { createMemoryBudgetCounters, type BudgetCounters, type CounterReservation, type SettledSpend } from "./budgetCounters.js";

const reserveScript = `
local n = #KEYS
for i = 1, n do
  if redis.call('exists', KEYS[i]) == 0 then return {2, i} end
end
for i = 1, n do
  local amount = tonumber(ARGV[n + i])
  if amount > 0 then
    local spent = tonumber(redis.call('hget', KEYS[i], 'spent') or '0')
    local reserved = tonumber(redis.call('hget', KEYS[i], 'reserved') or '0')
    if spent + reserved + amount > tonumber(ARGV[i]) + 1e-9 then
      return {1, i, tostring(spent), tostring(reserved)}
    end
  end
end
for i = 1, n do redis.call('hincrbyfloat', KEYS[i], 'reserved', ARGV[n + i]) end
return {0}`;

const initScript = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
redis.call('hset', KEYS[1], 'spent', ARGV[1], 'reserved', '0')
if tonumber(ARGV[2]) > 0 then redis.call('expire', KEYS[1], ARGV[2]) end
return 1`;

const settleScript = `
if redis.call('exists', KEYS[1]) == 0 then return false end
local reserved = tonumber(redis.call('hincrbyfloat', KEYS[1], 'reserved', -tonumber(ARGV[1])))
if reserved < 1e-9 then redis.call('hset', KEYS[1], 'reserved', '0') end
local before = tonumber(redis.call('hget', KEYS[1], 'spent') or '0')
local after = redis.call('hincrbyfloat', KEYS[1], 'spent', ARGV[2])
return {tostring(before), tostring(after)}`;

/** A window's counter outlives its end by this much, for requests reserved in it that are still running. */
const GRACE_SECONDS = 86_400;
const MAX_PENDING_SETTLES = 10_000;

type BudgetRedis = Redis & {
  syBudgetReserve(...args: Array<string | number>): Promise<[number, number?, string?, string?]>;
  syBudgetInit(key: string, spent: string, ttlSeconds: number): Promise<number>;
  syBudgetSettle(key: string, reserved: string, cost: string): Promise<[string, string] | null>;
};

export interface RedisBudgetCountersOptions {
  client: Redis;
  failMode: "open" | "closed";
  logger: Logger;
  now?: () => number;
}

export function createRedisBudgetCounters(options: RedisBudgetCountersOptions): BudgetCounters {
  const redis = options.client as BudgetRedis;
  redis.defineCommand("syBudgetReserve", { lua: reserveScript });
  redis.defineCommand("syBudgetInit", { numberOfKeys: 1, lua: initScript });
  redis.defineCommand("syBudgetSettle", { numberOfKeys: 1, lua: settleScript });
  const now = options.now ?? Date.now;
  const local = createMemoryBudgetCounters();
  // Which counters a key's reservation went to: it must be settled where it was made.
  const reservedLocally = new Map<string, number>();
  const pendingSettles: Array<{ key: string; reservedUsd: number; costUsd: number }> = [];
  const keyOf = (key: string) => `budget:{budgets}:${key}`;

  const unavailable = (error: unknown) =>
    new GatewayError("store_unavailable", "budgets cannot be checked: Redis is unavailable (redis.failMode: closed)", { cause: error, retryAfterSeconds: 2 });

  const replayPending = async () => {
    while (pendingSettles.length > 0) {
      const next = pendingSettles[0] as (typeof pendingSettles)[number];
      await redis.syBudgetSettle(keyOf(next.key), String(next.reservedUsd), String(next.costUsd));
      pendingSettles.shift();
    }
  };

  const reserveShared = async (reservations: readonly CounterReservation[]) => {
    await replayPending();
    const keys = reservations.map((r) => keyOf(r.key));
    const args = [...reservations.map((r) => String(r.limitUsd)), ...reservations.map((r) => String(r.amountUsd))];
    for (;;) {
      const [status, index, spent, reserved] = await redis.syBudgetReserve(keys.length, ...keys, ...args);
      if (status === 0) return { ok: true as const };
      const reservation = reservations[(index ?? 1) - 1] as CounterReservation;
      if (status === 1) return { ok: false as const, key: reservation.key, spentUsd: Number(spent), reservedUsd: Number(reserved) };
      // A window no replica has used yet: its spend so far comes from the ledger; the first to store it wins.
      const loaded = await reservation.load();
      const ttl = reservation.windowEnd === undefined ? 0 : Math.max(1, Math.ceil((reservation.windowEnd - now()) / 1000)) + GRACE_SECONDS;
      await redis.syBudgetInit(keyOf(reservation.key), String(loaded), ttl);
    }
  };

  return {
    async reserve(reservations) {
      if (redis.status === "ready") {
        try {
          return await reserveShared(reservations);
        } catch (error) {
          // A failed ledger load is the store's problem, not Redis's: let it through as it is.
          if (error instanceof GatewayError && error.code === "store_unavailable" && !/Redis/.test(error.message)) throw error;
          if (options.failMode === "closed") throw unavailable(error);
          options.logger.warn({ err: error }, "budgets: Redis failed; using this process's counters");
        }
      } else if (options.failMode === "closed") {
        throw unavailable(new Error(`redis is ${redis.status}`));
      }
      const outcome = await local.reserve(reservations);
      if (outcome.ok) for (const r of reservations) reservedLocally.set(r.key, (reservedLocally.get(r.key) ?? 0) + 1);
      return outcome;
    },

    async settle(key, reservedUsd, costUsd): Promise<SettledSpend | undefined> {
      const localCount = reservedLocally.get(key) ?? 0;
      if (localCount > 0) {
        if (localCount === 1) reservedLocally.delete(key);
        else reservedLocally.set(key, localCount - 1);
        return local.settle(key, reservedUsd, costUsd);
      }
      try {
        const result = await redis.syBudgetSettle(keyOf(key), String(reservedUsd), String(costUsd));
        return result === null ? undefined : { beforeUsd: Number(result[0]), afterUsd: Number(result[1]) };
      } catch (error) {
        if (pendingSettles.length < MAX_PENDING_SETTLES) pendingSettles.push({ key, reservedUsd, costUsd });
        options.logger.warn({ err: error, pending: pendingSettles.length }, "budgets: Redis could not take a settlement; it will be replayed");
        return undefined;
      }
    },
  };
}
