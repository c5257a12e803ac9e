import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { createApiClient } from "../api/createApiClient";
import type { ConsoleSession } from "../api/types";
import { apiError, createFakeFetch } from "../test/fakeFetch";
import { sessionFor } from "../test/renderPage";
import { SignInPage } from "./SignInPage";

describe("Sign-in", () => {
  test("posts the key once and hands over the session", async () => {
    const fake = createFakeFetch([{ method: "POST", path: "/api/v2/console/session", respond: sessionFor("admin") }]);
    const signedIn: ConsoleSession[] = [];
    render(<SignInPage api={createApiClient({ fetch: fake.fetch })} onSignedIn={(s) => signedIn.push(s)} />);
    await userEvent.type(screen.getByLabelText("API key"), "sy-abc123");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(signedIn).toHaveLength(1));
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ method: "POST", path: "/api/v2/console/session", body: { apiKey: "sy-abc123" } });
    expect(screen.getByLabelText<HTMLInputElement>("API key").value).toBe("");
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
  });

  test("shows the gateway's message and code for a bad key", async () => {
    const fake = createFakeFetch([{ method: "POST", path: "/api/v2/console/session", respond: () => apiError(401, "unauthorized", "invalid API key") }]);
    render(<SignInPage api={createApiClient({ fetch: fake.fetch })} onSignedIn={() => undefined} />);
    await userEvent.type(screen.getByLabelText("API key"), "sy-wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("invalid API key");
    expect(alert.textContent).toContain("unauthorized");
    expect(screen.getByRole("button", { name: "Sign in" })).toHaveProperty("disabled", false);
  });

  test("with JWTs trusted, signs in with an identity provider's token as a bearer credential", async () => {
    const fake = createFakeFetch([{ method: "POST", path: "/api/v2/console/session", respond: sessionFor("user") }]);
    const signedIn: ConsoleSession[] = [];
    render(<SignInPage api={createApiClient({ fetch: fake.fetch })} authMode="keys+jwt" expired onSignedIn={(s) => signedIn.push(s)} />);
    expect(screen.getByRole("status").textContent).toContain("session ended");
    expect(screen.getByRole("heading", { name: "Sign in with your identity provider's token" })).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Token (JWT)"), "eyJ.a.b");
    await userEvent.click(screen.getByRole("button", { name: "Use token" }));
    await waitFor(() => expect(signedIn).toHaveLength(1));
    expect(fake.calls[0]?.headers.authorization).toBe("Bearer eyJ.a.b");
    expect(fake.calls[0]?.body).toEqual({});
  });

  test("a gateway that takes only JWTs shows no key field; one that takes only keys shows no token field", () => {
    const api = createApiClient({ fetch: createFakeFetch().fetch });
    const { unmount } = render(<SignInPage api={api} authMode="jwt" onSignedIn={() => undefined} />);
    expect(screen.queryByLabelText("API key")).toBeNull();
    expect(screen.getByLabelText("Token (JWT)")).toBeTruthy();
    unmount();
    render(<SignInPage api={api} authMode="keys" onSignedIn={() => undefined} />);
    expect(screen.queryByLabelText("Token (JWT)")).toBeNull();
  });
});
