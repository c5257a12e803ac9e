import { describe, expect, test } from "vitest";
import { apiError, createFakeFetch, json } from "../test/fakeFetch";
import { ApiError, describeError } from "./apiError";
import { createApiClient, queryString } from "./createApiClient";
import { loadSession, signInWithKey, signOut } from "./consoleSession";

describe("API client", () => {
  test("sends the CSRF token on changes, not on reads", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/things", respond: { data: [1] } },
      { method: "POST", path: "/api/v2/things", respond: () => json({ id: "t1" }, 201) },
      { method: "DELETE", path: "/api/v2/things/t1", respond: () => json(undefined, 204) },
    ]);
    const api = createApiClient({ fetch: fake.fetch });
    api.setCsrfToken("tok");
    expect(await api.get<{ data: number[] }>("/api/v2/things")).toEqual({ data: [1] });
    expect(await api.send("POST", "/api/v2/things", { name: "x" })).toEqual({ id: "t1" });
    expect(await api.send("DELETE", "/api/v2/things/t1")).toBeUndefined();
    expect(fake.calls.map((c) => [c.method, c.headers["x-csrf-token"]])).toEqual([
      ["GET", undefined],
      ["POST", "tok"],
      ["DELETE", "tok"],
    ]);
    expect(fake.calls[1]?.headers["content-type"]).toBe("application/json");
    expect(fake.calls[1]?.body).toEqual({ name: "x" });
    expect(api.changeHeaders()).toEqual({ "x-csrf-token": "tok" });
  });

  test("an error answer becomes an ApiError with the gateway's code and message", async () => {
    const fake = createFakeFetch([{ method: "POST", path: "/x", respond: () => json({ error: { code: "invalid_request", message: "rpm must be a positive integer", param: "rpm", traceId: "t-1" } }, 400) }]);
    const api = createApiClient({ fetch: fake.fetch });
    const error = await api.send("POST", "/x", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request", message: "rpm must be a positive integer", param: "rpm", traceId: "t-1" });
    expect(describeError(error)).toEqual({ message: "rpm must be a positive integer", code: "invalid_request" });
  });

  test("an OpenAI-style error and a page that is not JSON still read well", async () => {
    const fake = createFakeFetch([
      { path: "/v1/models", respond: () => json({ error: { message: "no", type: "invalid_request_error", code: null } }, 400) },
      { path: "/proxy", respond: () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "x-trace-id": "t-9" } }) },
      { path: "/garbled", respond: () => new Response("{not json", { status: 200 }) },
    ]);
    const api = createApiClient({ fetch: fake.fetch });
    await expect(api.get("/v1/models")).rejects.toMatchObject({ code: "invalid_request_error", message: "no" });
    await expect(api.get("/proxy")).rejects.toMatchObject({ status: 502, code: "http_502", traceId: "t-9" });
    await expect(api.get("/garbled")).rejects.toMatchObject({ code: "invalid_response" });
    expect(describeError(new Error("plain"))).toEqual({ message: "plain" });
    expect(describeError("text")).toEqual({ message: "text" });
  });

  test("a 401 tells the app the session is gone, except where 401 is the answer", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/keys", respond: () => apiError(401, "unauthorized", "sign in") },
      { path: "/api/v2/console/session", respond: () => apiError(401, "unauthorized", "no session") },
    ]);
    let lost = 0;
    const api = createApiClient({ fetch: fake.fetch, onUnauthorized: () => lost++ });
    await expect(api.get("/api/v2/keys")).rejects.toMatchObject({ status: 401 });
    expect(lost).toBe(1);
    expect(await loadSession(api)).toBeUndefined();
    expect(lost).toBe(1);
    api.reportFailure(new ApiError(401, "unauthorized", "upload"));
    api.reportFailure(new ApiError(400, "invalid_request", "bad"));
    expect(lost).toBe(2);
  });

  test("signing in keeps the CSRF token in memory; signing out forgets it", async () => {
    const session = { user: { userId: "u", role: "user", kind: "key" }, csrfToken: "c-1", expiresAt: null, authMode: "keys", features: {} };
    const fake = createFakeFetch([
      { method: "POST", path: "/api/v2/console/session", respond: session },
      { method: "DELETE", path: "/api/v2/console/session", respond: () => json(undefined, 204) },
      { method: "PATCH", path: "/x", respond: {} },
    ]);
    const api = createApiClient({ fetch: fake.fetch });
    expect((await signInWithKey(api, "sy-secret")).csrfToken).toBe("c-1");
    expect(fake.calls[0]?.body).toEqual({ apiKey: "sy-secret" });
    await api.send("PATCH", "/x", {});
    expect(fake.calls[1]?.headers["x-csrf-token"]).toBe("c-1");
    await signOut(api);
    expect(fake.calls[2]?.headers["x-csrf-token"]).toBe("c-1");
    expect(api.changeHeaders()).toEqual({});
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
  });

  test("loadSession passes on failures other than 401", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/console/session", respond: () => apiError(503, "store_unavailable", "down") }]);
    await expect(loadSession(createApiClient({ fetch: fake.fetch }))).rejects.toMatchObject({ code: "store_unavailable" });
  });

  test("queryString keeps only the values that are set", () => {
    expect(queryString({ a: "x y", b: "", c: undefined, d: null, e: 0 })).toBe("?a=x+y&e=0");
    expect(queryString({ a: "" })).toBe("");
  });
});
