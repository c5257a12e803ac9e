import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { UsageRow } from "../../api/types";
import { localInputToIso } from "../../format/formatters";
import { navigate } from "../../router/router";
import { createFakeFetch, json, type RecordedCall } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import { RequestsPage } from "./RequestsPage";
import { emptyFilters, requestDetailPath, requestLogPath } from "./requestQuery";

function row(n: number, overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    id: `u${n}`,
    createdAt: "2025-03-01T10:00:00.000Z",
    requestId: `req-${n}`,
    traceId: `trace-${n}`,
    keyId: "k1",
    userId: "alice",
    route: "chat",
    engine: "mock",
    model: "gpt",
    inputTokens: 10,
    cachedInputTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costUsd: 0.00012,
    estimated: false,
    latencyMs: 420,
    ttftMs: 80,
    status: "complete",
    errorCode: null,
    ...overrides,
  };
}

const totals = { requests: 3, inputTokens: 30, outputTokens: 15, costUsd: 0.00036 };

describe("Request log", () => {
  test("the filters build the admin usage query", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/admin/usage", respond: { data: [row(1)], nextCursor: null, totals } }]);
    renderPage(<RequestsPage />, { fake });
    expect(await screen.findByText("trace-1")).toBeTruthy();
    expect(fake.calls[0]?.url).toBe("/api/v2/admin/usage?limit=50");

    await userEvent.type(screen.getByLabelText("User"), "bob");
    await userEvent.type(screen.getByLabelText("Key id"), "k9");
    await userEvent.type(screen.getByLabelText("Route"), "fast");
    await userEvent.type(screen.getByLabelText("Engine"), "vllm");
    await userEvent.type(screen.getByLabelText("Model"), "llama");
    await userEvent.selectOptions(screen.getByLabelText("Status"), "failed");
    await userEvent.type(screen.getByLabelText("Trace id"), " abc ");
    await userEvent.type(screen.getByLabelText("From (local time)"), "2025-03-01T08:00");
    await userEvent.type(screen.getByLabelText("To (local time)"), "2025-03-02T08:00");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));

    await waitFor(() => expect(fake.calls).toHaveLength(2));
    const query = Object.fromEntries(fake.calls[1]?.query ?? []);
    expect(query).toEqual({
      userId: "bob",
      keyId: "k9",
      route: "fast",
      engine: "vllm",
      model: "llama",
      status: "failed",
      traceId: "abc",
      from: localInputToIso("2025-03-01T08:00"),
      to: localInputToIso("2025-03-02T08:00"),
      limit: "50",
    });
    await userEvent.click(screen.getByRole("button", { name: "Clear" }));
    await waitFor(() => expect(fake.calls[fake.calls.length - 1]?.url).toBe("/api/v2/admin/usage?limit=50"));
  });

  test("a user searches their own requests by time and trace id only", () => {
    const filters = { ...emptyFilters, userId: "someone", engine: "x", traceId: "t1" };
    expect(requestLogPath(filters, false)).toBe("/api/v2/usage?traceId=t1&limit=50");
    expect(requestLogPath(filters, true, "c2")).toBe("/api/v2/admin/usage?userId=someone&engine=x&traceId=t1&limit=50&cursor=c2");
    expect(requestDetailPath("r/1", false)).toBe("/api/v2/requests/r%2F1");
    expect(requestDetailPath("r1", true)).toBe("/api/v2/admin/requests/r1");
  });

  test("shows each request's columns and pages by cursor", async () => {
    const fake = createFakeFetch([
      {
        path: "/api/v2/usage",
        respond: (call: RecordedCall) =>
          call.query.get("cursor") === "c2"
            ? json({ data: [row(3, { status: "failed", errorCode: "engine_timeout", estimated: true })], nextCursor: null, totals })
            : json({ data: [row(1), row(2)], nextCursor: "c2", totals }),
      },
    ]);
    renderPage(<RequestsPage />, { fake, role: "user" });
    const table = await screen.findByRole("table");
    expect(screen.queryByLabelText("User")).toBeNull();
    const first = within(table).getAllByRole("row")[1] as HTMLElement;
    expect(within(first).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "2025-03-01 10:00:00 UTC",
      "alice",
      "k1",
      "chat",
      "mock",
      "gpt",
      "complete",
      "10 / 5",
      "$0.000120",
      "420 ms",
      "80 ms",
      "trace-1",
    ]);
    expect(screen.getByText(/3 requests match/)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByText("trace-3")).toBeTruthy();
    expect(screen.getByText("engine_timeout")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Next page" })).toHaveProperty("disabled", true);
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    expect(await screen.findByText("trace-2")).toBeTruthy();
  });

  test("the detail view shows the bodies when they are logged", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/usage", respond: { data: [row(1)], nextCursor: null, totals } },
      {
        path: "/api/v2/admin/requests/req-1",
        respond: { request: row(1), bodies: { request: { messages: [{ role: "user", content: "hi there" }] }, answer: "Hello!", truncated: true }, bodiesLogged: true },
      },
    ]);
    renderPage(<RequestsPage />, { fake });
    await userEvent.click(await screen.findByRole("link", { name: /Request req-1/ }));
    expect(await screen.findByRole("heading", { name: "Request req-1" })).toBeTruthy();
    expect(window.location.pathname).toBe("/console/requests/req-1");
    expect(await screen.findByText("Hello!")).toBeTruthy();
    expect(screen.getByText(/hi there/)).toBeTruthy();
    expect(screen.getByText(/cut to the logging limit/)).toBeTruthy();
    await userEvent.click(screen.getByRole("link", { name: "← All requests" }));
    expect(await screen.findByRole("heading", { name: "Requests" })).toBeTruthy();
  });

  test("the detail view says when body logging is off", async () => {
    navigate("requests/req-2");
    const fake = createFakeFetch([
      { path: "/api/v2/requests/req-2", respond: { request: row(2, { errorCode: "rate_limited", status: "rejected", route: null, engine: null, model: null, keyId: null }), bodies: null, bodiesLogged: false } },
    ]);
    renderPage(<RequestsPage />, { fake, role: "user" });
    expect(await screen.findByText(/Body logging is off/)).toBeTruthy();
    expect(screen.getByText("rejected (rate_limited)")).toBeTruthy();
  });

  test("a request logged without bodies says so", async () => {
    navigate("requests/req-3");
    const fake = createFakeFetch([{ path: "/api/v2/admin/requests/req-3", respond: { request: row(3), bodies: null, bodiesLogged: true } }]);
    renderPage(<RequestsPage />, { fake });
    expect(await screen.findByText("No bodies were kept for this request.")).toBeTruthy();
  });
});
