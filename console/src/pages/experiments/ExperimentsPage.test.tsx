import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { Experiment, VariantResult } from "../../api/types";
import { createFakeFetch } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import { ExperimentsPage } from "./ExperimentsPage";
import { wilsonInterval } from "./wilsonInterval";

function experiment(id: string, name: string, status: Experiment["status"]): Experiment {
  return { id, name, status, appliesTo: "auto", assignBy: "user", variants: [{ name: "a", weight: 1 }, { name: "b", weight: 1 }], createdAt: "2025-03-01T00:00:00.000Z", updatedAt: "2025-03-02T00:00:00.000Z" };
}

function result(variant: string, requests: number, errors: number): VariantResult {
  return {
    variant,
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    latencyMs: { mean: 250, p95: 900 },
    ttftMs: { mean: 50, p95: 120 },
    tokens: { input: 1000, output: 500 },
    feedback: { mean: requests === 0 ? null : 0.5, count: 4 },
  };
}

describe("Experiments page", () => {
  test("lists experiments and shows the chosen one's results with intervals", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/ab", respond: { data: [experiment("e1", "prompt test", "running"), experiment("e2", "engine test", "stopped")] } },
      { path: "/api/v2/ab/e1/results", respond: { experimentId: "e1", status: "running", variants: [result("a", 100, 5), result("b", 0, 0)] } },
      { path: "/api/v2/ab/e2/results", respond: { experimentId: "e2", status: "stopped", variants: [result("fast", 40, 0)] } },
    ]);
    renderPage(<ExperimentsPage />, { fake });
    const results = await screen.findByRole("heading", { name: "Results: prompt test" });
    const table = (await within(results.parentElement as HTMLElement).findAllByRole("table"))[0] as HTMLElement;
    const a = within(table).getByRole("rowheader", { name: "a" }).closest("tr") as HTMLElement;
    expect(a.textContent).toContain("5.0% (2.2% – 11.2%)");
    expect(a.textContent).toContain("250 ms / 900 ms");
    expect(a.textContent).toContain("0.50 (4)");
    expect(within(table).getByRole("rowheader", { name: "b" }).closest("tr")?.textContent).toContain("—");
    await userEvent.click(screen.getByRole("button", { name: "engine test" }));
    expect(await screen.findByRole("heading", { name: "Results: engine test" })).toBeTruthy();
    expect(await screen.findByRole("rowheader", { name: "fast" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "engine test" }).getAttribute("aria-pressed")).toBe("true");
  });

  test("says when there are none", async () => {
    renderPage(<ExperimentsPage />, { fake: createFakeFetch([{ path: "/api/v2/ab", respond: { data: [] } }]) });
    expect(await screen.findByText(/No experiments yet/)).toBeTruthy();
  });

  test("the Wilson interval stays within 0..1", () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const none = wilsonInterval(0, 10);
    expect(none?.low).toBe(0);
    expect(none?.high).toBeCloseTo(0.2775, 3);
    const all = wilsonInterval(10, 10);
    expect(all?.high).toBe(1);
  });
});
