import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { KeyView } from "../../api/types";
import { apiError, createFakeFetch, json, type RecordedCall } from "../../test/fakeFetch";
import { CSRF, renderPage } from "../../test/renderPage";
import { KeysPage, keyStatus } from "./KeysPage";

function keyView(overrides: Partial<KeyView> = {}): KeyView {
  return {
    id: "k1",
    name: "ci",
    userId: "alice",
    role: "user",
    prefix: "sy-abcd",
    allowedModels: null,
    rpm: 60,
    tpm: null,
    budgetUsd: 5,
    budgetWindow: "month",
    expiresAt: null,
    revokedAt: null,
    createdAt: "2025-01-01T00:00:00.000Z",
    lastUsedAt: null,
    accessLevel: 0,
    ...overrides,
  };
}

describe("Keys page", () => {
  test("creating a key shows it once, with Copy, and forgets it on Done", async () => {
    const keys: KeyView[] = [keyView()];
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: () => json({ data: keys }) },
      {
        method: "POST",
        path: "/api/v2/admin/keys",
        respond: (call: RecordedCall) => {
          const created = keyView({ id: "k2", name: (call.body as { name: string }).name, rpm: null, budgetUsd: null, budgetWindow: null });
          keys.push(created);
          return json({ ...created, key: "sy-newsecretkey" }, 201);
        },
      },
    ]);
    const copied: string[] = [];
    renderPage(<KeysPage />, { fake, seams: { copy: async (text) => void copied.push(text) } });
    await screen.findByRole("rowheader", { name: "ci" });
    await userEvent.click(screen.getByRole("button", { name: "Create key" }));
    const dialog = screen.getByRole("dialog", { name: "Create key" });
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Name"));
    await userEvent.type(within(dialog).getByLabelText("Name"), "deploy bot");
    await userEvent.type(within(dialog).getByLabelText("Requests per minute"), "120");
    await userEvent.click(within(dialog).getByRole("button", { name: "Create" }));

    expect((await screen.findByTestId("new-key")).textContent).toBe("sy-newsecretkey");
    const post = fake.callsTo("POST", "/api/v2/admin/keys")[0];
    expect(post?.body).toEqual({ name: "deploy bot", role: "user", rpm: 120 });
    expect(post?.headers["x-csrf-token"]).toBe(CSRF);
    await userEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(copied).toEqual(["sy-newsecretkey"]);
    expect(screen.getByText("Copied to the clipboard.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Done" }));

    expect(screen.queryByTestId("new-key")).toBeNull();
    expect(await screen.findByRole("rowheader", { name: "deploy bot" })).toBeTruthy();
    expect(document.body.textContent).not.toContain("sy-newsecretkey");
  });

  test("the form reports bad fields before sending, and the gateway's refusal after", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: { data: [] } },
      { method: "POST", path: "/api/v2/admin/keys", respond: () => json({ error: { code: "invalid_request", message: "expiresAt must be in the future", param: "expiresAt" } }, 400) },
    ]);
    renderPage(<KeysPage />, { fake, seams: { copy: undefined } });
    expect(await screen.findByText("No keys yet.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Create key" }));
    await userEvent.type(screen.getByLabelText("Tokens per minute"), "many");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(screen.getByText("a name is required")).toBeTruthy();
    expect(screen.getByLabelText("Tokens per minute").getAttribute("aria-invalid")).toBe("true");
    expect(fake.callsTo("POST", "/api/v2/admin/keys")).toHaveLength(0);

    await userEvent.clear(screen.getByLabelText("Tokens per minute"));
    await userEvent.type(screen.getByLabelText("Name"), "x");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("expiresAt must be in the future");
    expect(alert.textContent).toContain("invalid_request");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  test("without a clipboard, Copy says to copy by hand", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: { data: [] } },
      { method: "POST", path: "/api/v2/admin/keys", respond: () => json({ ...keyView(), key: "sy-k" }, 201) },
    ]);
    renderPage(<KeysPage />, { fake, seams: { copy: undefined } });
    await userEvent.click(await screen.findByRole("button", { name: "Create key" }));
    await userEvent.type(screen.getByLabelText("Name"), "n");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    await userEvent.click(await screen.findByRole("button", { name: "Copy" }));
    expect(screen.getByText(/select the key and copy it/)).toBeTruthy();
  });

  test("revoking asks first, then sends DELETE with the CSRF header", async () => {
    let revoked = false;
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: () => json({ data: [keyView({ revokedAt: revoked ? "2025-02-01T00:00:00.000Z" : null })] }) },
      {
        method: "DELETE",
        path: "/api/v2/admin/keys/k1",
        respond: () => {
          revoked = true;
          return json(undefined, 204);
        },
      },
    ]);
    renderPage(<KeysPage />, { fake });
    const row = (await screen.findByRole("rowheader", { name: "ci" })).closest("tr") as HTMLElement;
    await userEvent.click(within(row).getByRole("button", { name: "Revoke" }));
    const confirm = screen.getByRole("alertdialog", { name: "Revoke key “ci”?" });
    expect(fake.callsTo("DELETE", "/api/v2/admin/keys/k1")).toHaveLength(0);
    await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();

    await userEvent.click(within(row).getByRole("button", { name: "Revoke" }));
    await userEvent.click(screen.getByRole("button", { name: "Revoke key" }));
    await waitFor(() => expect(screen.queryByRole("rowheader", { name: "ci" })).toBeNull());
    const call = fake.callsTo("DELETE", "/api/v2/admin/keys/k1");
    expect(call).toHaveLength(1);
    expect(call[0]?.headers["x-csrf-token"]).toBe(CSRF);
    expect(screen.getByText("Key “ci” revoked.")).toBeTruthy();
    await userEvent.click(screen.getByLabelText(/Show revoked keys/));
    expect(screen.getByText("revoked")).toBeTruthy();
  });

  test("a failed revocation keeps the dialog open with the error", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: { data: [keyView()] } },
      { method: "DELETE", path: "/api/v2/admin/keys/k1", respond: () => apiError(403, "csrf_failed", "send the x-csrf-token header") },
    ]);
    renderPage(<KeysPage />, { fake });
    await userEvent.click(await screen.findByRole("button", { name: "Revoke" }));
    await userEvent.click(screen.getByRole("button", { name: "Revoke key" }));
    expect((await screen.findByRole("alert")).textContent).toContain("csrf_failed");
    expect(screen.getByRole("alertdialog")).toBeTruthy();
  });

  test("editing sends only what changed, clearing a limit with null", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/admin/keys", respond: { data: [keyView()] } },
      { method: "PATCH", path: "/api/v2/admin/keys/k1", respond: (call: RecordedCall) => json({ ...keyView(), ...(call.body as object) }) },
    ]);
    renderPage(<KeysPage />, { fake });
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit key “ci”" });
    expect(within(dialog).queryByLabelText("User id")).toBeNull();
    await userEvent.clear(within(dialog).getByLabelText("Requests per minute"));
    await userEvent.type(within(dialog).getByLabelText("Tokens per minute"), "10000");
    await userEvent.clear(within(dialog).getByLabelText("Budget (USD)"));
    await userEvent.type(within(dialog).getByLabelText("Budget (USD)"), "7.5");
    await userEvent.selectOptions(within(dialog).getByLabelText("Budget window"), "day");
    await userEvent.type(within(dialog).getByLabelText("Allowed models"), "openai/gpt-4o, local/tiny");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const patch = fake.callsTo("PATCH", "/api/v2/admin/keys/k1")[0];
    expect(patch?.body).toEqual({ rpm: null, tpm: 10000, budgetUsd: 7.5, budgetWindow: "day", allowedModels: ["openai/gpt-4o", "local/tiny"] });
    expect(patch?.headers["x-csrf-token"]).toBe(CSRF);
    expect(screen.getByText("Key “ci” saved.")).toBeTruthy();
  });

  test("an edit that changes nothing sends nothing", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/admin/keys", respond: { data: [keyView({ expiresAt: "2031-05-06T07:08:09.000Z", allowedModels: ["a/b"] })] } }]);
    renderPage(<KeysPage />, { fake });
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(fake.calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
  });

  test("a user sees their own keys, read-only", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/keys", respond: { data: [keyView({ name: "mine", allowedModels: ["a/b"] })] } }]);
    renderPage(<KeysPage />, { fake, role: "user" });
    expect(await screen.findByRole("rowheader", { name: "mine" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Create key" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Revoke" })).toBeNull();
    expect(fake.calls.map((c) => c.path)).toEqual(["/api/v2/keys"]);
  });

  test("a key past its expiry reads as expired", () => {
    expect(keyStatus(keyView({ expiresAt: "2020-01-01T00:00:00.000Z" }))).toBe("expired");
    expect(keyStatus(keyView())).toBe("active");
  });
});
