import { describe, expect, test } from "vitest";
import type { Budget, SeriesPoint, UsageSeries } from "../../api/types";
import { alertLines, burnDownRows, burnDownWindow } from "./burnDown";
import { MAX_GROUPS, bucketLabel, groupRows, totalRows } from "./chartRows";

function point(start: string, requests: number, costUsd = 0, latency: number | null = null): SeriesPoint {
  const p = latency === null ? null : { p50: latency, p95: latency * 2, p99: latency * 3 };
  return { start, requests, errors: Math.floor(requests / 2), inputTokens: requests * 10, outputTokens: requests * 5, costUsd, latencyMs: p, ttftMs: p };
}

const hours = ["2025-03-01T10:00:00.000Z", "2025-03-01T11:00:00.000Z", "2025-03-01T12:00:00.000Z"];

describe("usage chart rows", () => {
  test("dense points become one row per bucket with totals and percentiles", () => {
    const answer: UsageSeries = {
      bucket: "hour",
      groupBy: "none",
      from: hours[0] ?? "",
      to: "",
      series: [{ group: null, points: [point(hours[0] ?? "", 4, 0.1, 100), point(hours[1] ?? "", 0), point(hours[2] ?? "", 2, 0.2, 50)] }],
    };
    const rows = totalRows(answer);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      start: hours[0],
      label: "2025-03-01 10:00",
      requests: 4,
      errors: 2,
      inputTokens: 40,
      outputTokens: 20,
      costUsd: 0.1,
      latencyP50: 100,
      latencyP95: 200,
      latencyP99: 300,
      ttftP50: 100,
      ttftP95: 200,
      ttftP99: 300,
    });
    expect(rows[1]).toMatchObject({ requests: 0, latencyP50: null, ttftP99: null });
    expect(totalRows({ ...answer, series: [] })).toEqual([]);
  });

  test("totals over groups add counts up and leave percentiles out", () => {
    const answer: UsageSeries = {
      bucket: "day",
      groupBy: "engine",
      from: "",
      to: "",
      series: [
        { group: "a", points: [point("2025-03-01T00:00:00.000Z", 1, 0.1, 10)] },
        { group: "b", points: [point("2025-03-01T00:00:00.000Z", 2, 0.2, 20)] },
      ],
    };
    expect(totalRows(answer)[0]).toMatchObject({ label: "2025-03-01", requests: 3, costUsd: 0.3, latencyP95: null });
  });

  test("grouped series become one line per group, the busiest first, the rest as other", () => {
    const groups = Array.from({ length: MAX_GROUPS + 2 }, (_, i) => ({ group: i === 0 ? null : `g.${i}`, points: hours.map((h) => point(h, i + 1, 0.1, 10)) }));
    const answer: UsageSeries = { bucket: "hour", groupBy: "engine", from: "", to: "", series: groups };
    const { rows, lines } = groupRows(answer, "requests");
    expect(lines).toHaveLength(MAX_GROUPS + 1);
    expect(lines[0]).toEqual({ key: "g0", name: `g.${MAX_GROUPS + 1}` });
    expect(lines[MAX_GROUPS]).toEqual({ key: "other", name: "other (2)" });
    expect(rows[0]).toMatchObject({ g0: MAX_GROUPS + 2, other: 3 });
    const latency = groupRows(answer, "latencyP95");
    expect(latency.lines.map((l) => l.key)).not.toContain("other");
    expect(latency.rows[0]?.g0).toBe(20);
    expect(groupRows(answer, "tokens").rows[0]?.g0).toBe((MAX_GROUPS + 2) * 15);
    expect(groupRows(answer, "costUsd").rows[0]?.other).toBe(0.2);
    expect(groupRows({ ...answer, series: [{ group: null, points: [point(hours[0] ?? "", 1)] }] }, "errors").lines).toEqual([{ key: "g0", name: "(none)" }]);
    expect(groupRows({ ...answer, series: [] }, "requests")).toEqual({ rows: [], lines: [] });
  });

  test("the burn-down is the budget less the cumulative spend", () => {
    const rows = burnDownRows(1, [point(hours[0] ?? "", 1, 0.1), point(hours[1] ?? "", 0, 0), point(hours[2] ?? "", 1, 0.35)], "hour");
    expect(rows.map((r) => [r.label, r.spentUsd, r.remainingUsd])).toEqual([
      ["2025-03-01 10:00", 0.1, 0.9],
      ["2025-03-01 11:00", 0.1, 0.9],
      ["2025-03-01 12:00", 0.45, 0.55],
    ]);
    expect(alertLines(10, [1, 0.5, 0.8])).toEqual([
      { fraction: 0.5, remainingUsd: 5, label: "50% spent" },
      { fraction: 0.8, remainingUsd: 2, label: "80% spent" },
      { fraction: 1, remainingUsd: 0, label: "100% spent" },
    ]);
  });

  test("a budget's window picks the span and bucket of its burn-down", () => {
    const now = Date.parse("2025-03-10T12:00:00.000Z");
    const budget: Budget = { subject: "key", id: "k1", userId: "u", window: "day", windowStart: "2025-03-10T00:00:00.000Z", windowEnd: "2025-03-11T00:00:00.000Z", budgetUsd: 1, spentUsd: 0.2 };
    expect(burnDownWindow(budget, now)).toEqual({ from: "2025-03-10T00:00:00.000Z", to: "2025-03-10T12:00:00.000Z", bucket: "hour" });
    const month = burnDownWindow({ ...budget, window: "month", windowStart: "2025-03-01T00:00:00.000Z", windowEnd: null }, now);
    expect(month.bucket).toBe("day");
    const total = burnDownWindow({ ...budget, window: "total", windowStart: "2020-01-01T00:00:00.000Z", windowEnd: null }, now);
    expect(Date.parse(total.to) - Date.parse(total.from)).toBe(366 * 86_400_000);
    expect(bucketLabel("2025-03-01T00:00:00.000Z", "day")).toBe("2025-03-01");
  });
});
