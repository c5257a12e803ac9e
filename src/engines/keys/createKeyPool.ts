/**
 * An engine's API keys, taken in turn. A key the upstream rate-limited (429) is set aside until its cool-down
 * ends, so its share of calls goes to the others instead of meeting the same 429; with every key set aside, the
 * engine refuses at once (the router moves on) instead of calling the upstream to be refused again.
 */
export interface KeyPool {
  readonly size: number;
  /** The index of the next key not cooling down, in turn; undefined when every key is. */
  take(now: number): number | undefined;
  /** Sets a key aside until `until` (epoch ms). */
  coolDown(index: number, until: number): void;
  /** Milliseconds until the first key set aside is usable again (0 when one is now). */
  nextFreeIn(now: number): number;
}

export function createKeyPool(size: number): KeyPool {
  const coolingUntil = new Array<number>(size).fill(0);
  let turn = 0;
  return {
    size,
    take(now) {
      for (let tried = 0; tried < size; tried++) {
        const index = (turn + tried) % size;
        if ((coolingUntil[index] ?? 0) <= now) {
          turn = (index + 1) % size;
          return index;
        }
      }
      return undefined;
    },
    coolDown(index, until) {
      coolingUntil[index] = Math.max(coolingUntil[index] ?? 0, until);
    },
    nextFreeIn(now) {
      return Math.max(0, Math.min(...coolingUntil) - now);
    },
  };
}
