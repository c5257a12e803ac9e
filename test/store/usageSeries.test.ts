/**
 * The usage series on both dialects: dense buckets over whole UTC hours and days, sums and error counts, nearest-
 * rank percentiles of known latencies, grouping with the busiest series first, and the window bounds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eachDialect } from "./eachDialect.js";
import { usageRecord } from "../metering/usageRecord.js";
import type { UsageSeriesQuery } from "../../src/store/usageSeries.js";
import { isGatewayError } from "../../src/errors.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 2, 3, 10);
// Sums of float costs differ in the last bits between databases.
const round = (usd: number) => Math.round(usd * 1e9) / 1e9;

eachDialect("usage series", (context) => {
  const series = (query: Partial<UsageSeriesQuery> & Pick<UsageSeriesQuery, "filter">) =>
    context.store.usage.series({ from: T0, to: T0 + 3 * HOUR, bucket: "hour", groupBy: "none", maxSeries: 20, maxRows: 10_000, ...query });

  test("hourly points: dense, summed, errors counted, nearest-rank percentiles of known latencies", async () => {
    const userId = `u-${randomUUID()}`;
    // Hour 0: latencies 1..20 ms (TTFT on the even ones only), a failed request and a rejected one (1000 ms,
    // which is left out of the latency percentiles). Hour 2: one request. Hour 1: nothing.
    const records = [
      ...Array.from({ length: 20 }, (_, i) => usageRecord(userId, { createdAt: T0 + i * 1000, latencyMs: i + 1, ttftMs: i % 2 === 1 ? i + 1 : null, inputTokens: 10, outputTokens: 5, costUsd: 0.01 })),
      usageRecord(userId, { createdAt: T0 + 30 * 60_000, status: "failed", errorCode: "upstream_error", latencyMs: 7, ttftMs: null, inputTokens: 3, outputTokens: 0, costUsd: 0 }),
      usageRecord(userId, { createdAt: T0 + 40 * 60_000, status: "rejected", errorCode: "budget_exceeded", engine: null, model: null, latencyMs: 1000, ttftMs: null, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
      usageRecord(userId, { createdAt: T0 + 2 * HOUR + 5, latencyMs: 42, ttftMs: 4, inputTokens: 1, outputTokens: 2, costUsd: 0.5 }),
    ];
    await context.store.usage.append(records);

    const result = await series({ filter: { userId } });
    assert.deepEqual([result.from, result.to, result.omittedGroups], [T0, T0 + 3 * HOUR, 0]);
    assert.equal(result.series.length, 1);
    const [only] = result.series;
    assert.equal(only?.group, null);
    const points = only?.points ?? [];
    assert.deepEqual(points.map((point) => point.start), [T0, T0 + HOUR, T0 + 2 * HOUR]);
    const [first, empty, last] = points;
    assert.deepEqual({ ...first, costUsd: round(first?.costUsd ?? -1) }, {
      start: T0,
      requests: 22,
      errors: 2,
      inputTokens: 203,
      outputTokens: 100,
      costUsd: 0.2,
      // 21 latencies (1..20 and a 7): ranks 11, 20, 21 of 1,2,...,7,7,8,...,20.
      latencyMs: { p50: 10, p95: 19, p99: 20 },
      // TTFT 2,4,...,20 (10 values): ranks 5, 10, 10.
      ttftMs: { p50: 10, p95: 20, p99: 20 },
    });
    assert.deepEqual(empty, { start: T0 + HOUR, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: null, ttftMs: null });
    assert.deepEqual(last, { start: T0 + 2 * HOUR, requests: 1, errors: 0, inputTokens: 1, outputTokens: 2, costUsd: 0.5, latencyMs: { p50: 42, p95: 42, p99: 42 }, ttftMs: { p50: 4, p95: 4, p99: 4 } });

    const failedOnly = await series({ filter: { userId, status: "failed" } });
    assert.deepEqual(failedOnly.series[0]?.points.map((point) => [point.requests, point.errors, point.latencyMs?.p99 ?? null]), [[1, 1, 7], [0, 0, null], [0, 0, null]]);
    const rejectedOnly = await series({ filter: { userId, status: "rejected" } });
    assert.equal(rejectedOnly.series[0]?.points[0]?.latencyMs, null, "a rejected request has no latency to rank");
  });

  test("a window is rounded to whole buckets; an empty one still has every point, zeroed", async () => {
    const result = await series({ from: T0 + 20 * 60_000, to: T0 + 2 * HOUR + 1, filter: { userId: `nobody-${randomUUID()}` } });
    assert.deepEqual([result.from, result.to], [T0, T0 + 3 * HOUR]);
    assert.deepEqual(result.series.map((s) => s.points.map((p) => p.requests)), [[0, 0, 0]]);
    const grouped = await series({ groupBy: "engine", filter: { userId: `nobody-${randomUUID()}` } });
    assert.deepEqual(grouped.series, [], "grouped: no group, no series");
    const none = await series({ from: T0, to: T0, filter: {} });
    assert.deepEqual(none.series[0]?.points, [], "from = to on a bucket edge: no bucket");
  });

  test("daily buckets, grouped by engine: busiest first, requests that reached no engine as the null group", async () => {
    const route = `route-${randomUUID()}`;
    const day0 = Date.UTC(2025, 2, 1);
    await context.store.usage.append([
      usageRecord("a", { route, engine: "vllm", createdAt: day0 + 5, costUsd: 1 }),
      usageRecord("b", { route, engine: "vllm", createdAt: day0 + DAY + 5, costUsd: 2 }),
      usageRecord("a", { route, engine: "vllm", createdAt: day0 + DAY + 6, costUsd: 3 }),
      usageRecord("a", { route, engine: "openai", createdAt: day0 + 2 * DAY - 1, costUsd: 4 }),
      usageRecord("c", { route, engine: null, model: null, status: "rejected", createdAt: day0 + 7, costUsd: 0 }),
    ]);
    const result = await series({ from: day0, to: day0 + 3 * DAY, bucket: "day", groupBy: "engine", filter: { route } });
    assert.deepEqual(
      result.series.map((s) => [s.group, s.points.map((p) => [p.requests, round(p.costUsd)])]),
      [
        ["vllm", [[1, 1], [2, 5], [0, 0]]],
        // Ties by name; the null group last.
        ["openai", [[0, 0], [1, 4], [0, 0]]],
        [null, [[1, 0], [0, 0], [0, 0]]],
      ],
    );
    const byUser = await series({ from: day0, to: day0 + 3 * DAY, bucket: "day", groupBy: "user", maxSeries: 2, filter: { route } });
    assert.deepEqual(byUser.series.map((s) => [s.group, s.points.reduce((sum, p) => sum + p.requests, 0)]), [["a", 3], ["b", 1]]);
    assert.equal(byUser.omittedGroups, 1, "c was left out");
    const byRoute = await series({ from: day0, to: day0 + 3 * DAY, bucket: "day", groupBy: "route", filter: { route, engine: "vllm" } });
    assert.deepEqual(byRoute.series.map((s) => [s.group, s.points.map((p) => p.requests)]), [[route, [1, 2, 0]]]);
  });

  test("bounds: more buckets than a series holds, or more rows than allowed, are the caller's error", async () => {
    await assert.rejects(series({ from: T0, to: T0 + 2001 * HOUR, filter: {} }), (error) => isGatewayError(error) && error.code === "invalid_request" && /2001 hours/.test(error.message));
    const ok = await series({ from: T0, to: T0 + 2000 * HOUR, filter: { userId: `nobody-${randomUUID()}` } });
    assert.equal(ok.series[0]?.points.length, 2000);

    const userId = `u-${randomUUID()}`;
    await context.store.usage.append(Array.from({ length: 4 }, (_, i) => usageRecord(userId, { createdAt: T0 + i })));
    assert.equal((await series({ filter: { userId }, maxRows: 4 })).series[0]?.points[0]?.requests, 4);
    await assert.rejects(series({ filter: { userId }, maxRows: 3 }), (error) => isGatewayError(error) && error.code === "invalid_request" && /more than 3 requests/.test(error.message));
  });
});
