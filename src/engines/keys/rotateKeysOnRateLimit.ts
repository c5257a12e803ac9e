/**
 * A call over an engine's several API keys: it opens on the next key in turn, and while no part has reached the
 * consumer, a 429 sets that key aside (createKeyPool) and the call opens again at once on the next one. From the
 * first part on it is the underlying stream itself: the rotation costs nothing per part.
 */
import { GatewayError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import type { KeyPool } from "./createKeyPool.js";

export interface KeyRotation {
  pool: KeyPool;
  /** How long a rate-limited key is set aside when the upstream sent no Retry-After. */
  cooldownMs: number;
  /** Whether a failure is the upstream refusing this key's rate (a 429), as opposed to anything else. */
  isRateLimit(error: unknown): error is GatewayError;
  onCooledDown?(index: number, forMs: number): void;
  now?(): number;
}

export function rotateKeysOnRateLimit(
  open: (keyIndex: number) => AsyncIterableIterator<StreamPart>,
  signal: AbortSignal,
  rotation: KeyRotation,
): AsyncIterableIterator<StreamPart> {
  const now = rotation.now ?? Date.now;
  let current: AsyncIterableIterator<StreamPart> | undefined;
  let keyIndex = 0;
  let started = false;
  let finished = false;

  const openNext = (): AsyncIterableIterator<StreamPart> => {
    const at = now();
    const index = rotation.pool.take(at);
    if (index === undefined) {
      throw new GatewayError("engine_overloaded", "every API key of the engine is cooling down after a 429; retry later", {
        retryable: true,
        retryAfterMs: rotation.pool.nextFreeIn(at),
      });
    }
    keyIndex = index;
    return open(index);
  };

  const first = async (): Promise<IteratorResult<StreamPart>> => {
    for (;;) {
      current ??= openNext();
      try {
        const result = await current.next();
        started = true;
        return result;
      } catch (error) {
        if (signal.aborted || !rotation.isRateLimit(error)) throw error;
        const forMs = error.retryAfterMs ?? rotation.cooldownMs;
        rotation.pool.coolDown(keyIndex, now() + forMs);
        rotation.onCooledDown?.(keyIndex, forMs);
        // The refused call is over (its iterator threw); the next turn opens on another key, or refuses.
        current = undefined;
      }
    }
  };

  const iterator: AsyncIterableIterator<StreamPart> = {
    next() {
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return started && current !== undefined ? current.next() : first();
    },
    return(value?: unknown) {
      finished = true;
      const open = current;
      current = undefined;
      return open?.return ? open.return(value) : Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
