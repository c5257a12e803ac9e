/**
 * A value now, or a promise of it: what a counter store answers with. The memory store answers at once, and the
 * limiters above it stay synchronous as long as every counter did, so a request that needs nothing from the
 * network pays for no promise; a Redis store answers with a promise and the limiters wait for it.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A call's answer as a promise, a synchronous throw included: once one counter has answered with a promise, the
 * calls after it go through this, so a throw cannot leave that promise rejected with no one listening.
 */
export async function promiseOf<T>(work: () => MaybePromise<T>): Promise<T> {
  return work();
}
