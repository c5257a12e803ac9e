import { setTimeout as delay } from "node:timers/promises";

/**
 * Re-checks a condition that another process or connection settles asynchronously (a row written after a
 * disconnect, say) until it holds or the deadline passes. It waits on the condition, not on a fixed sleep.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}
