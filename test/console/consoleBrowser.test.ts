/**
 * The web console end to end, in a real Chromium driven by playwright-core, against a real gateway on loopback
 * with mock upstreams: sign in, create and revoke a key, see a request the test made in the request log and the
 * usage chart, chat in the playground with a streamed answer, see an engine's circuit open after failures. Every
 * page is screenshotted under test-results/console/ (at 1280×800, and at phone width), and no page may break
 * its content security policy or log an error.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { ADMIN_KEY } from "../auth/authGateway.js";
import { chromiumLaunchOptions } from "../support/chromium.js";

const SHOTS = join(process.cwd(), "test-results", "console");
const ANSWER = "Hello from the mock upstream, streamed in small pieces.";

describe("the console in Chromium", () => {
  let good: MockUpstream;
  let bad: MockUpstream;
  let gateway: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  };
  const nav = async (name: string) => {
    await page.getByRole("link", { name, exact: true }).first().click();
  };
  const chatAs = async (token: string, model: string, content = "Hello there") => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
    });
    await response.arrayBuffer();
    return response;
  };

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    good = await startMockUpstream();
    good.script = () => ({ chunkDelayMs: 5 });
    bad = await startMockUpstream();
    bad.script = () => ({ status: 500, errorMessage: "the flaky upstream failed" });
    gateway = await startGateway({
      auth: { mode: "keys", adminKey: ADMIN_KEY },
      rateLimits: { enabled: false },
      requestLog: { bodies: true },
      engines: [
        { name: "primary", type: "openai", baseUrl: good.url, models: ["mock-model"] },
        {
          name: "flaky",
          type: "openai",
          baseUrl: bad.url,
          models: ["flaky-model"],
          retry: { attempts: 0 },
          breaker: { minRequests: 3, failureRatio: 0.5, halfOpenAfterMs: 600_000 },
        },
      ],
      routes: [{ name: "chat", targets: ["primary/mock-model"] }],
      pricing: { "primary/mock-model": { input: 1, output: 2 } },
    });
    browser = await chromium.launch(chromiumLaunchOptions());
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    // A 401 or 404 the console handles still shows as "Failed to load resource"; anything else is a problem (a
    // CSP refusal is "Refused to ...").
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await good?.close();
    await bad?.close();
  });

  test("signing in with the admin key keeps no credential where a script can read it", async () => {
    await page.goto(`${gateway.url}/console/`);
    await page.getByLabel("API key").fill("sy-not-a-real-key-0000000000000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: /invalid API key/i }).waitFor();
    await page.getByLabel("API key").fill(ADMIN_KEY);
    await shot("sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Keys", exact: true }).first().waitFor();
    // Evaluated in the page (as source: this project's own types have no DOM).
    const stored = await page.evaluate<string>("JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })");
    assert.ok(!stored.includes(ADMIN_KEY), stored);
    assert.ok(!stored.includes("switchyard_console"), "the session cookie is HttpOnly");
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === "switchyard_console");
    assert.equal(session?.httpOnly, true);
    assert.equal(session?.sameSite, "Strict");
  });

  let userKey = "";
  let traceId = "";

  test("keys: create one (shown once, copied), then the request made with it shows in the request log", async () => {
    await nav("Keys");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("e2e key");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    const shown = page.getByTestId("new-key");
    await shown.waitFor();
    userKey = (await shown.textContent())?.trim() ?? "";
    assert.match(userKey, /^sy-/);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByRole("button", { name: "Copy" }).click();
    assert.equal(await page.evaluate<string>("navigator.clipboard.readText()"), userKey);
    await shot("keys-created");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("row").filter({ hasText: "e2e key" }).waitFor();
    assert.equal(await page.getByText(userKey).count(), 0, "the key is never shown again");
    await shot("keys");

    const response = await chatAs(userKey, "primary/mock-model", "What is in the request log?");
    assert.equal(response.status, 200);
    traceId = response.headers.get("x-trace-id") ?? "";
    assert.ok(traceId);

    await nav("Requests");
    const row = page.getByRole("row").filter({ hasText: traceId });
    await row.waitFor();
    await shot("requests");
    await row.getByRole("link").first().click();
    await page.getByText("What is in the request log?").first().waitFor();
    await shot("request-detail");
  });

  test("usage: the chart shows the requests made", async () => {
    await nav("Usage");
    const chart = page.getByRole("region", { name: "Requests over time" });
    await chart.waitFor();
    await chart.locator("svg").first().waitFor();
    await page.getByTestId("usage-total-requests").filter({ hasText: /[1-9]/ }).waitFor();
    await shot("usage");
  });

  test("playground: a streamed answer with its TTFT, tokens, cost, engine and trace id", async () => {
    await nav("Playground");
    await page.getByLabel("Model").selectOption("primary/mock-model");
    await page.getByLabel("Message").fill("Tell me a story");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByTestId("assistant-message").filter({ hasText: ANSWER }).waitFor();
    const stats = page.getByTestId("turn-stats").last();
    await stats.filter({ hasText: /cost/i }).waitFor();
    const text = (await stats.textContent()) ?? "";
    for (const part of ["TTFT", "tokens", "primary"]) assert.ok(text.includes(part), `${part} in ${text}`);
    assert.match(text, /[0-9a-f]{32}/, "the trace id");
    await shot("playground");
  });

  test("engines: the flaky engine's circuit opens after injected failures", async () => {
    for (let i = 0; i < 4; i++) await chatAs(ADMIN_KEY, "flaky/flaky-model");
    await nav("Engines");
    const row = page.getByRole("row").filter({ hasText: "flaky" });
    await row.getByText("open", { exact: true }).waitFor();
    await page.getByRole("row").filter({ hasText: "primary" }).getByText("closed", { exact: true }).waitFor();
    await shot("engines");
  });

  test("experiments and documents pages render", async () => {
    await nav("Experiments");
    await page.getByRole("heading", { name: /Experiments/ }).first().waitFor();
    await shot("experiments");
    await nav("Documents");
    await page.getByRole("heading", { name: /Documents/ }).first().waitFor();
    await shot("documents");
  });

  test("revoking the key asks first, then the key stops working", async () => {
    await nav("Keys");
    const row = page.getByRole("row").filter({ hasText: "e2e key" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke key" }).click();
    await page.getByText("Key “e2e key” revoked.").waitFor();
    await page.getByLabel(/Show revoked keys/).check();
    await row.filter({ hasText: /revoked/i }).waitFor();
    const refused = await chatAs(userKey, "primary/mock-model");
    assert.equal(refused.status, 401);
  });

  test("at phone width the pages are still usable", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${gateway.url}/console/playground`);
    await page.getByLabel("Message").waitFor();
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await shot("playground-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("no page broke its content security policy or logged an error", () => {
    assert.deepEqual(problems, []);
  });
});
