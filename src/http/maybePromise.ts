/**
 * A value now or later. The request path's steps answer synchronously whenever nothing has to wait (a key looked
 * up recently, counters in memory), so a request that waits on nothing allocates no promise for them.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
