/**
 * A value now, or a promise of it. The request path's steps answer synchronously whenever nothing has to wait (a
 * key looked up recently, counters in memory), so a request that needs nothing from the network pays for no
 * promise; a step that must wait (Redis, the store, a JWT's keys) answers with one and its caller waits for it.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * A call's answer as a promise, a synchronous throw included: once one counter has answered with a promise, the
 * calls after it go through this, so a throw cannot leave that promise rejected with no one listening.
 */
export async function promiseOf<T>(work: () => MaybePromise<T>): Promise<T> {
  return work();
}
