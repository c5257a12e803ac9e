/**
 * Lets timers and I/O run. better-sqlite3 answers synchronously, so a loop of awaited SQLite statements is a chain
 * of microtasks that never returns to the event loop: a background job of many batches would stall every request
 * of the process until it ended. Long-running store loops call this between batches.
 */
import { setImmediate } from "node:timers/promises";

export async function yieldToEventLoop(): Promise<void> {
  await setImmediate();
}
