/**
 * Budget windows are UTC calendar periods, so every replica and every restart agrees on where one starts
 * without storing anything: a day starts at 00:00 UTC, a month on its first day, and `total` never resets.
 */
import type { BudgetWindow } from "../auth/principal.js";

/** Epoch ms at which the window containing `now` started (0 for `total`). */
export function windowStart(window: BudgetWindow, now: number): number {
  if (window === "total") return 0;
  const date = new Date(now);
  return window === "day"
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
    : Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** Epoch ms at which the window starting at `start` ends; undefined for `total`. */
export function windowEnd(window: BudgetWindow, start: number): number | undefined {
  if (window === "total") return undefined;
  const date = new Date(start);
  return window === "day"
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
    : Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}
