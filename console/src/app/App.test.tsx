import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { apiError, createFakeFetch, json } from "../test/fakeFetch";
import { sessionFor } from "../test/renderPage";
import { App } from "./App";
import { visiblePages } from "./pages";

const seams = { createXhr: () => new XMLHttpRequest(), sleep: async () => undefined, now: () => 0, copy: undefined };

function navLinks(): string[] {
  return within(screen.getByRole("navigation", { name: "Console" }))
    .getAllByRole("link")
    .map((link) => link.textContent ?? "");
}

describe("App", () => {
  test("an admin sees every page in the navigation", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/console/session", respond: sessionFor("admin") }]);
    render(<App fetch={fake.fetch} {...seams} />);
    await screen.findByRole("navigation", { name: "Console" });
    expect(navLinks()).toEqual(["Keys", "Usage", "Engines", "Requests", "Experiments", "Documents", "Playground"]);
  });

  test("a user does not see the admin pages, and an admin page's address says it is not for them", async () => {
    window.history.replaceState(null, "", "/console/engines");
    const fake = createFakeFetch([{ path: "/api/v2/console/session", respond: sessionFor("user") }]);
    render(<App fetch={fake.fetch} {...seams} />);
    await screen.findByRole("navigation", { name: "Console" });
    expect(navLinks()).toEqual(["Keys", "Usage", "Requests", "Documents", "Playground"]);
    expect(screen.getByRole("heading", { name: "Not available" })).toBeTruthy();
  });

  test("a feature that is off hides its page", () => {
    expect(visiblePages(sessionFor("admin", { experiments: false })).map((p) => p.label)).not.toContain("Experiments");
  });

  test("without a session it asks to sign in, then opens the console and its pages", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/console/session", respond: () => apiError(401, "unauthorized", "no session") },
      { method: "POST", path: "/api/v2/console/session", respond: sessionFor("user") },
      { path: "/api/v2/keys", respond: { data: [] } },
      { path: "/api/v2/usage/series", respond: { bucket: "hour", groupBy: "none", from: "", to: "", series: [] } },
      { path: "/api/v2/budgets", respond: { alertAt: [], data: [] } },
    ]);
    render(<App fetch={fake.fetch} {...seams} />);
    await userEvent.type(await screen.findByLabelText("API key"), "sy-user");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByRole("navigation", { name: "Console" });
    // The home page is Usage.
    await waitFor(() => expect(window.location.pathname).toBe("/console/usage"));
    await userEvent.click(screen.getByRole("link", { name: "Keys" }));
    expect(await screen.findByRole("heading", { name: "Keys", level: 1 })).toBeTruthy();
    expect(window.location.pathname).toBe("/console/keys");
    expect(screen.getByRole("link", { name: "Keys" }).getAttribute("aria-current")).toBe("page");
    expect(document.title).toBe("Keys · Switchyard console");
  });

  test("a 401 from any page sends the user back to sign in", async () => {
    window.history.replaceState(null, "", "/console/keys");
    const fake = createFakeFetch([
      { path: "/api/v2/console/session", respond: sessionFor("admin") },
      { path: "/api/v2/admin/keys", respond: () => apiError(401, "unauthorized", "session expired") },
    ]);
    render(<App fetch={fake.fetch} {...seams} />);
    expect(await screen.findByLabelText("API key")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("session ended");
  });

  test("signing out clears the session and shows sign-in", async () => {
    window.history.replaceState(null, "", "/console/nowhere");
    const fake = createFakeFetch([
      { path: "/api/v2/console/session", respond: sessionFor("admin") },
      { method: "DELETE", path: "/api/v2/console/session", respond: () => json(undefined, 204) },
    ]);
    render(<App fetch={fake.fetch} {...seams} />);
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Menu" }));
    expect(screen.getByRole("button", { name: "Menu" }).getAttribute("aria-expanded")).toBe("true");
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByLabelText("API key")).toBeTruthy();
    expect(fake.callsTo("DELETE", "/api/v2/console/session")[0]?.headers["x-csrf-token"]).toBe("csrf-token-1");
  });

  test("says so when the gateway cannot tell whether a session exists", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/console/session", respond: () => apiError(503, "store_unavailable", "the store is down") }]);
    render(<App fetch={fake.fetch} {...seams} />);
    expect((await screen.findByRole("alert")).textContent).toContain("the store is down");
  });
});
