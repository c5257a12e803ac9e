import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { BudgetList, SeriesPoint, UsageSeries } from "../../api/types";
import { createFakeFetch, json, type RecordedCall } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import { UsagePage } from "./UsagePage";

function points(n: number, requests: number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    start: new Date(Date.UTC(2025, 2, 1, i)).toISOString(),
    requests,
    errors: 1,
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.25,
    latencyMs: { p50: 100, p95: 200, p99: 300 },
    ttftMs: { p50: 20, p95: 40, p99: 60 },
  }));
}

function seriesAnswer(call: RecordedCall): Response {
  const groupBy = (call.query.get("groupBy") ?? "none") as UsageSeries["groupBy"];
  const series =
    groupBy === "none"
      ? [{ group: null, points: points(3, 4) }]
      : [
          { group: "mock", points: points(3, 3) },
          { group: "vllm", points: points(3, 1) },
        ];
  return json({ bucket: call.query.get("bucket"), groupBy, from: call.query.get("from"), to: call.query.get("to"), series });
}

const budgets: BudgetList = {
  alertAt: [0.5, 0.8, 1],
  data: [
    { subject: "key", id: "k1", userId: "alice", name: "ci", window: "month", windowStart: "2025-03-01T00:00:00.000Z", windowEnd: "2025-04-01T00:00:00.000Z", budgetUsd: 10, spentUsd: 6 },
    { subject: "user", id: "bob", userId: "bob", window: "day", windowStart: "2025-03-01T00:00:00.000Z", windowEnd: "2025-03-02T00:00:00.000Z", budgetUsd: 2, spentUsd: 0.5 },
  ],
};

describe("Usage page", () => {
  test("charts the series with totals, a CSV link and the budgets", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/usage/series", respond: seriesAnswer },
      { path: "/api/v2/admin/budgets", respond: budgets },
    ]);
    renderPage(<UsagePage />, { fake });
    const requests = await screen.findByRole("region", { name: "Requests over time" });
    expect(within(requests).getByText("Data table: Requests over time")).toBeTruthy();
    expect(within(requests).getAllByRole("row")).toHaveLength(4);
    for (const name of ["Tokens over time", "Cost over time", "Latency", "Time to first token"]) expect(screen.getByRole("region", { name })).toBeTruthy();
    const totals = screen.getByText("Requests").closest("dl") as HTMLElement;
    expect(totals.textContent).toContain("12");
    expect(totals.textContent).toContain("450");
    expect(totals.textContent).toContain("$0.75");

    const first = fake.callsTo("GET", "/api/v2/admin/usage/series")[0];
    expect(first?.query.get("bucket")).toBe("hour");
    expect(first?.query.get("groupBy")).toBe("none");
    expect(Date.parse(first?.query.get("to") ?? "") - Date.parse(first?.query.get("from") ?? "")).toBe(86_400_000);
    const csv = screen.getByRole("link", { name: "Export CSV" }).getAttribute("href") ?? "";
    expect(csv.startsWith("/api/v2/admin/usage/export.csv?from=")).toBe(true);

    expect(await screen.findByRole("rowheader", { name: "key ci" })).toBeTruthy();
    expect(screen.getByText("60.0%")).toBeTruthy();
    expect(await screen.findByRole("region", { name: "Budget burn-down: key ci" })).toBeTruthy();
    await waitFor(() => expect(fake.calls.some((c) => c.path === "/api/v2/admin/usage/series" && c.query.get("keyId") === "k1")).toBe(true));
    await userEvent.selectOptions(screen.getByLabelText("Burn-down of"), "user:bob");
    expect(await screen.findByRole("region", { name: "Budget burn-down: user bob" })).toBeTruthy();
    await waitFor(() => expect(fake.calls.some((c) => c.query.get("userId") === "bob")).toBe(true));
  });

  test("grouping asks for groups and draws a line per group", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/usage/series", respond: seriesAnswer },
      { path: "/api/v2/admin/budgets", respond: { alertAt: [], data: [] } },
    ]);
    renderPage(<UsagePage />, { fake });
    await screen.findByRole("region", { name: "Requests over time" });
    await userEvent.selectOptions(screen.getByLabelText("Group by"), "engine");
    await userEvent.selectOptions(screen.getByLabelText("Range"), "7d");
    const region = await screen.findByRole("region", { name: "Errors over time" });
    expect(within(region).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Time (UTC)", "mock", "vllm"]);
    const last = fake.callsTo("GET", "/api/v2/admin/usage/series").at(-1);
    expect(last?.query.get("groupBy")).toBe("engine");
    expect(last?.query.get("bucket")).toBe("day");
    expect(screen.getByText("No budgets are set.")).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText("Per"), "hour");
    await userEvent.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(fake.callsTo("GET", "/api/v2/admin/usage/series").at(-1)?.query.get("bucket")).toBe("hour"));
  });

  test("a user sees their own usage and budgets, and cannot group by user", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/usage/series", respond: () => json({ bucket: "hour", groupBy: "none", from: "", to: "", series: [{ group: null, points: [] }] }) },
      { path: "/api/v2/budgets", respond: { alertAt: [0.5], data: [{ ...budgets.data[1], subject: "user", id: "alice" }] } },
    ]);
    renderPage(<UsagePage />, { fake, role: "user" });
    const requests = await screen.findByRole("region", { name: "Requests over time" });
    expect(within(requests).getByText("No data in this range.")).toBeTruthy();
    const options = within(screen.getByLabelText("Group by")).getAllByRole("option").map((o) => o.textContent);
    expect(options).not.toContain("user");
    expect(screen.getByRole("link", { name: "Export CSV" }).getAttribute("href")).toMatch(/^\/api\/v2\/usage\/export\.csv\?/);
    await screen.findByRole("region", { name: "Budget burn-down: user alice" });
    await waitFor(() => expect(fake.callsTo("GET", "/api/v2/usage/series")).toHaveLength(2));
    expect(fake.callsTo("GET", "/api/v2/usage/series")[1]?.query.get("userId")).toBeNull();
  });
});
