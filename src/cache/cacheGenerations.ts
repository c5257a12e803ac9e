/**
 * Generation counters make invalidation O(1) without SCAN: every entry key embeds the current generation of its
 * tenant, its model and the caller's API key, so bumping one makes every older entry unreachable (Redis lets them
 * expire by TTL). Generations live in Redis (`cache:gen:<dimension>:<id>`) and are cached here for a short while;
 * the invalidation broadcast updates the local copies at once, the refresh interval bounds staleness when a
 * broadcast is missed.
 */
import type { Redis } from "ioredis";

export interface CacheDimensions {
  tenant: string;
  model: string;
  keyId?: string | undefined;
}

export interface InvalidationTarget {
  tenant?: string | undefined;
  model?: string | undefined;
  keyId?: string | undefined;
}

/** `tenant:<id>`, `model:<name>`, `key:<id>` → generation. */
export type GenerationValues = Record<string, number>;

export interface CacheGenerations {
  /** The generations of a request's dimensions, as one key fragment ("3.0.1"). */
  current(dimensions: CacheDimensions): Promise<string>;
  /** Bumps the target's generations (in Redis when reachable); returns the new values and whether Redis took them. */
  bump(target: InvalidationTarget): Promise<{ values: GenerationValues; shared: boolean }>;
  /** Raises local copies to values learned from a broadcast (never lowers them). */
  apply(values: GenerationValues): void;
  /** Forget cached copies (after a broadcast gap: the subscriber reconnected). */
  forget(): void;
}

export function dimensionNames(target: InvalidationTarget): string[] {
  const names: string[] = [];
  if (target.tenant !== undefined) names.push(`tenant:${target.tenant}`);
  if (target.model !== undefined) names.push(`model:${target.model}`);
  if (target.keyId !== undefined) names.push(`key:${target.keyId}`);
  return names;
}

const redisKey = (name: string) => `cache:gen:${name}`;

export function createCacheGenerations(options: { redis?: Redis | undefined; refreshMs?: number; maxCached?: number }): CacheGenerations {
  const refreshMs = options.refreshMs ?? 1000;
  const maxCached = options.maxCached ?? 10_000;
  const local = new Map<string, { value: number; readAt: number }>();
  const remember = (name: string, value: number, readAt: number) => {
    const known = local.get(name);
    // Never lower: a replica that bumped locally while Redis was down must not see old entries come back.
    local.set(name, { value: Math.max(value, known?.value ?? 0), readAt });
    if (local.size > maxCached) local.delete(local.keys().next().value as string);
  };
  const redis = options.redis;
  return {
    async current(dimensions) {
      const names = dimensionNames(dimensions);
      const now = Date.now();
      const stale = names.filter((name) => {
        const known = local.get(name);
        return !known || now - known.readAt > refreshMs;
      });
      if (stale.length > 0 && redis && redis.status === "ready") {
        try {
          const values = await redis.mget(...stale.map(redisKey));
          stale.forEach((name, i) => remember(name, Number(values[i] ?? 0) || 0, now));
        } catch {
          // Redis gone mid-call: keep what is known locally; the next request tries again.
        }
      }
      return names.map((name) => local.get(name)?.value ?? 0).join(".") + (dimensions.keyId === undefined ? ".-" : "");
    },
    async bump(target) {
      const names = dimensionNames(target);
      const values: GenerationValues = {};
      if (redis && redis.status === "ready") {
        try {
          const pipeline = redis.multi();
          for (const name of names) pipeline.incr(redisKey(name));
          const results = (await pipeline.exec()) ?? [];
          names.forEach((name, i) => {
            const [error, value] = results[i] ?? [new Error("no result"), null];
            if (error) throw error;
            values[name] = Number(value);
          });
          for (const [name, value] of Object.entries(values)) remember(name, value, Date.now());
          return { values, shared: true };
        } catch {
          // Fall through to a local bump: this replica at least stops serving the old entries.
        }
      }
      for (const name of names) {
        values[name] = (local.get(name)?.value ?? 0) + 1;
        remember(name, values[name], Date.now());
      }
      return { values, shared: false };
    },
    apply(values) {
      const now = Date.now();
      for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) remember(name, value, now);
    },
    forget() {
      local.clear();
    },
  };
}
