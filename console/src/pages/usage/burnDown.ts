/**
 * A budget's burn-down: what is left of it after each bucket of spend in its window, from the series' dense cost
 * points; and the levels at which the gateway alerts (alertAt fractions spent), as remaining amounts.
 */
import type { Budget, Bucket, SeriesPoint } from "../../api/types";
import { bucketLabel } from "./chartRows";

export interface BurnDownRow {
  start: string;
  label: string;
  spentUsd: number;
  remainingUsd: number;
}

export interface AlertLine {
  fraction: number;
  remainingUsd: number;
  label: string;
}

export function burnDownRows(budgetUsd: number, points: SeriesPoint[], bucket: Bucket): BurnDownRow[] {
  let spent = 0;
  return points.map((point) => {
    spent += point.costUsd;
    const spentUsd = Math.round(spent * 1e6) / 1e6;
    return { start: point.start, label: bucketLabel(point.start, bucket), spentUsd, remainingUsd: Math.round((budgetUsd - spentUsd) * 1e6) / 1e6 };
  });
}

export function alertLines(budgetUsd: number, alertAt: number[]): AlertLine[] {
  return [...alertAt]
    .sort((a, b) => a - b)
    .map((fraction) => ({
      fraction,
      remainingUsd: Math.round(budgetUsd * (1 - fraction) * 1e6) / 1e6,
      label: `${Math.round(fraction * 100)}% spent`,
    }));
}

/** The series query a budget's window needs: its own key's or user's spend from the window's start to now. */
export function burnDownWindow(budget: Budget, now: number): { from: string; to: string; bucket: Bucket } {
  const start = Date.parse(budget.windowStart);
  const end = budget.windowEnd === null ? now : Math.min(now, Date.parse(budget.windowEnd));
  // A total budget may have started long ago: a year of days is plenty to see its trend.
  const from = Math.max(start, end - 366 * 86_400_000);
  const bucket: Bucket = end - from > 2 * 86_400_000 ? "day" : "hour";
  return { from: new Date(from).toISOString(), to: new Date(Math.max(end, from + 1)).toISOString(), bucket };
}
