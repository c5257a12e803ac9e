/**
 * A value now, or a promise of it: what a counter store answers with. The memory store answers at once, and the
 * limiters above it stay synchronous as long as every counter did, so a request that needs nothing from the
 * network pays for no promise; a Redis store answers with a promise and the limiters wait for it.
 */
export type MaybePromise<T> = T | Promise<T>;
