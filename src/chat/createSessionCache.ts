/**
 * Session metadata and the recent history window in Redis, so a turn on any replica reads its prompt without
 * touching the store. One entry per session (`session:{<id>}:snapshot`) and a generation counter beside it
 * (`session:{<id>}:gen`, same hash tag, so the scripts stay on one Redis Cluster slot). Every write bumps the
 * generation and drops the entry; an entry is filled only under the generation read before its data came from
 * the store (a Lua check-and-set), so a reader that raced a write on another replica can never put old history
 * back. While Redis is unreachable reads go to the store, and invalidations are kept (bounded) and replayed when
 * it returns; until then this replica does not trust the cache for those sessions either.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { Session } from "../store/sessions.js";
import type { Message } from "../store/messages.js";

export interface SessionSnapshot {
  session: Session;
  /** The last `window` messages, oldest first (all of them when the session has fewer). */
  history: Message[];
  window: number;
}

export type SessionCacheRead =
  | { hit: { session: Session; history: Message[] } }
  /** Not cached: `generation` is what to fill under once the store answered (absent: do not fill). */
  | { hit?: undefined; generation?: number | undefined };

export interface SessionCache {
  /** The session of `userId` and its last `window` messages, when cached and current. */
  read(sessionId: string, userId: string, window: number): Promise<SessionCacheRead>;
  /** Stores a snapshot read from the store (or built from what was just written) if no write came in between. */
  fill(sessionId: string, snapshot: SessionSnapshot, generation: number): Promise<void>;
  /** After a write to the session: a new generation (returned) and no entry; undefined when Redis could not take it. */
  invalidate(sessionId: string): Promise<number | undefined>;
}

const fillScript = `
local current = redis.call('get', KEYS[1]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('set', KEYS[1], current, 'PX', ARGV[3])
return 1`;

const invalidateScript = `
local generation = redis.call('incr', KEYS[1])
redis.call('pexpire', KEYS[1], ARGV[1])
redis.call('del', KEYS[2])
return generation`;

type SessionRedis = Redis & {
  sySessionFill(generationKey: string, entryKey: string, generation: string, entry: string, ttlMs: number): Promise<number>;
  sySessionInvalidate(generationKey: string, entryKey: string, ttlMs: number): Promise<number>;
};

interface Entry extends SessionSnapshot {
  generation: number;
}

const MAX_PENDING = 10_000;

export function createSessionCache(options: { client: Redis; ttlSeconds: number; logger: Logger }): SessionCache {
  const redis = options.client as SessionRedis;
  redis.defineCommand("sySessionFill", { numberOfKeys: 2, lua: fillScript });
  redis.defineCommand("sySessionInvalidate", { numberOfKeys: 2, lua: invalidateScript });
  const ttlMs = Math.ceil(options.ttlSeconds * 1000);
  const generationKey = (id: string) => `session:{${id}}:gen`;
  const entryKey = (id: string) => `session:{${id}}:snapshot`;
  // Sessions written while Redis could not be told: their cached copies may be old until the replay.
  const pending = new Set<string>();
  const ready = () => redis.status === "ready";

  const bump = (id: string) => redis.sySessionInvalidate(generationKey(id), entryKey(id), ttlMs);
  const remember = (id: string, error: unknown) => {
    if (pending.size >= MAX_PENDING) {
      options.logger.error({ err: error, sessionId: id }, "session cache: too many invalidations waiting for Redis; dropping one");
      return;
    }
    pending.add(id);
    options.logger.warn({ err: error, pending: pending.size }, "session cache: Redis could not take an invalidation; it will be replayed");
  };
  let replaying = false;
  const replay = async () => {
    if (replaying) return;
    replaying = true;
    try {
      for (const id of [...pending]) {
        await bump(id);
        pending.delete(id);
      }
      options.logger.info("session cache: invalidations replayed");
    } catch (error) {
      options.logger.warn({ err: error, pending: pending.size }, "session cache: replaying invalidations failed; retrying on the next reconnect");
    } finally {
      replaying = false;
    }
  };
  redis.on("ready", () => {
    if (pending.size > 0) void replay();
  });

  return {
    async read(sessionId, userId, window) {
      if (!ready() || pending.has(sessionId)) return {};
      try {
        const [text, generation] = await redis.mget(entryKey(sessionId), generationKey(sessionId));
        const current = Number(generation ?? 0) || 0;
        if (text === null || text === undefined) return { generation: current };
        const entry = JSON.parse(text) as Entry;
        // Someone else's session, or a shorter window than asked for: the store answers (and decides).
        if (entry.generation !== current || entry.window < window || entry.session.userId !== userId) return { generation: current };
        return { hit: { session: entry.session, history: window === 0 ? [] : entry.history.slice(-window) } };
      } catch (error) {
        options.logger.debug({ err: error }, "session cache: read failed; using the store");
        return {};
      }
    },
    async fill(sessionId, snapshot, generation) {
      if (!ready() || pending.has(sessionId)) return;
      const entry: Entry = { ...snapshot, history: snapshot.window === 0 ? [] : snapshot.history.slice(-snapshot.window), generation };
      try {
        await redis.sySessionFill(generationKey(sessionId), entryKey(sessionId), String(generation), JSON.stringify(entry), ttlMs);
      } catch (error) {
        options.logger.debug({ err: error }, "session cache: fill failed");
      }
    },
    async invalidate(sessionId) {
      if (ready()) {
        try {
          return await bump(sessionId);
        } catch (error) {
          remember(sessionId, error);
          return undefined;
        }
      }
      remember(sessionId, new Error(`redis is ${redis.status}`));
      return undefined;
    },
  };
}
