import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import type { EngineState, EnginesView } from "../../api/types";
import { apiError, createFakeFetch, json } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import { BreakerBadge, UsableBadge, breakerTone } from "./EngineBadges";
import { EnginesPage } from "./EnginesPage";

function engine(name: string, overrides: Partial<EngineState> = {}): EngineState {
  return { name, type: "openai", models: ["m1"], usable: true, breaker: "closed", inFlight: 1, queued: 0, maxConcurrency: 8, maxQueue: 16, ewmaTtftMs: 123.4, lastError: null, ...overrides };
}

describe("Engine state badges", () => {
  test("say the breaker state in words, with a tone for each", () => {
    render(
      <>
        <BreakerBadge state="closed" />
        <BreakerBadge state="open" />
        <BreakerBadge state="half-open" />
        <BreakerBadge state="isolated" />
        <UsableBadge usable={false} reason="breaker open" />
        <UsableBadge usable />
      </>,
    );
    expect(screen.getByText("closed").className).toContain("badge-good");
    expect(screen.getByText("open").className).toContain("badge-bad");
    expect(screen.getByText("half-open").className).toContain("badge-warn");
    expect(breakerTone("isolated")).toBe("bad");
    expect(screen.getByText("not usable").textContent).toBe("not usable: breaker open");
    expect(screen.getByText("usable")).toBeTruthy();
  });
});

describe("Engines page", () => {
  test("shows each engine's live state and refreshes it", async () => {
    let round = 0;
    const view = (): EnginesView => ({
      engines: [
        engine("mock", { inFlight: round }),
        engine("vllm", { usable: false, reason: "breaker open", breaker: "open", ewmaTtftMs: null, lastError: { code: "engine_timeout", message: "no first token in 5s", at: "2025-03-01T10:00:00.000Z" } }),
        engine("local", { breaker: "half-open" }),
      ],
      routes: [{ name: "fast", strategy: "weighted", targets: [{ target: "mock/m1", weight: 3 }, { target: "vllm/m1", weight: 1 }] }],
      lastReload: { at: "2025-03-01T09:00:00.000Z", ok: true, added: ["local"], removed: [], kept: ["mock", "vllm"] },
      startedAt: "2025-03-01T08:00:00.000Z",
    });
    const fake = createFakeFetch([
      {
        path: "/api/v2/admin/engines",
        respond: () => {
          round++;
          return json(view());
        },
      },
    ]);
    renderPage(<EnginesPage refreshMs={20} />, { fake });
    const mock = (await screen.findByRole("rowheader", { name: /^mock/ })).closest("tr") as HTMLElement;
    expect(within(mock).getByText("closed")).toBeTruthy();
    expect(within(mock).getByText("123 ms")).toBeTruthy();
    const vllm = screen.getByRole("rowheader", { name: /^vllm/ }).closest("tr") as HTMLElement;
    expect(within(vllm).getByText("open")).toBeTruthy();
    expect(within(vllm).getByText("engine_timeout")).toBeTruthy();
    expect(within(vllm).getByText(/no first token/)).toBeTruthy();
    expect(within(screen.getByRole("rowheader", { name: /^local/ }).closest("tr") as HTMLElement).getByText("half-open")).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "fast" }).closest("tr")?.textContent).toContain("mock/m1 (3), vllm/m1 (1)");
    expect(screen.getByText("applied")).toBeTruthy();
    expect(screen.getByText(/added: local; removed: none; kept: mock, vllm/)).toBeTruthy();
    await waitFor(() => expect(fake.calls.length).toBeGreaterThanOrEqual(3));
    await waitFor(() => expect(within(screen.getByRole("rowheader", { name: /^mock/ }).closest("tr") as HTMLElement).getByText(/^[3-9]\d* \/ 8$/)).toBeTruthy());
  });

  test("a failed reload and a failed refresh are shown", async () => {
    let fail = false;
    const fake = createFakeFetch([
      {
        path: "/api/v2/admin/engines",
        respond: () => {
          const answer = fail
            ? apiError(503, "store_unavailable", "gateway busy")
            : json({ engines: [engine("mock")], routes: [], lastReload: { at: "2025-03-01T09:00:00.000Z", ok: false, added: [], removed: [], kept: [], error: "bad yaml" } });
          fail = true;
          return answer;
        },
      },
    ]);
    renderPage(<EnginesPage refreshMs={20} />, { fake });
    expect(await screen.findByText("failed")).toBeTruthy();
    expect(screen.getByText(/bad yaml/)).toBeTruthy();
    expect(screen.getByText("No routes are configured.")).toBeTruthy();
    expect((await screen.findByRole("alert")).textContent).toContain("gateway busy");
    expect(screen.getByRole("rowheader", { name: /^mock/ })).toBeTruthy();
  });
});
