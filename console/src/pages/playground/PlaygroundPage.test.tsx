import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { UsageRow } from "../../api/types";
import { createFakeFetch, json, sse, type RecordedCall } from "../../test/fakeFetch";
import { CSRF, renderPage, sessionFor } from "../../test/renderPage";
import { PlaygroundPage } from "./PlaygroundPage";

const models = { object: "list", data: [{ id: "mock/gpt-mini", owned_by: "mock" }, { id: "fast", owned_by: "switchyard" }] };

function chunk(content: string | undefined, extra: Record<string, unknown> = {}): string {
  const delta = content === undefined ? {} : { content };
  return `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "mock/gpt-mini", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
}

function ledgerRow(traceId: string, costUsd: number, n = 1): UsageRow {
  return {
    id: `u${n}`,
    createdAt: "2025-03-01T00:00:00.000Z",
    requestId: `req-${n}`,
    traceId,
    keyId: null,
    userId: "root",
    route: null,
    engine: "mock",
    model: "gpt-mini",
    inputTokens: 10,
    cachedInputTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costUsd,
    estimated: false,
    latencyMs: 300,
    ttftMs: 100,
    status: "complete",
    errorCode: null,
  };
}

/** A clock that moves 120 ms per reading. */
function steppingClock(): () => number {
  let t = 1000;
  return () => {
    const now = t;
    t += 120;
    return now;
  };
}

function usageAfter(misses: number, rows: UsageRow[]) {
  let seen = 0;
  return () => json({ data: seen++ < misses ? [] : rows, nextCursor: null, totals: { requests: rows.length, inputTokens: 0, outputTokens: 0, costUsd: 0 } });
}

describe("Playground: chat completions", () => {
  test("streams the answer and shows the turn's TTFT, tokens, cost, engine and trace id", async () => {
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      {
        method: "POST",
        path: "/v1/chat/completions",
        respond: () =>
          sse(
            [
              chunk("", { choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] }),
              chunk("Hel"),
              `${chunk("lo").slice(0, 30)}`,
              `${chunk("lo").slice(30)}${chunk(" world")}`,
              chunk(undefined, { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
              `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "mock/gpt-mini", choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } })}\n\n`,
              "data: [DONE]\n\n",
            ],
            { "x-trace-id": "trace-abc" },
          ),
      },
      { path: "/api/v2/usage", respond: usageAfter(1, [ledgerRow("trace-abc", 0.0021)]) },
    ]);
    const slept: number[] = [];
    renderPage(<PlaygroundPage />, { fake, seams: { now: steppingClock(), sleep: async (ms) => void slept.push(ms) } });
    await screen.findByRole("option", { name: "mock/gpt-mini" });
    expect(screen.getByLabelText<HTMLSelectElement>("Model").value).toBe("mock/gpt-mini");
    await userEvent.type(screen.getByLabelText("Message"), "Say hello");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));

    await waitFor(() => expect(screen.getByTestId("assistant-message").textContent).toBe("Hello world"));
    await waitFor(() => expect(screen.getByTestId("turn-stats").textContent).toContain("cost $0.002100"));
    const stats = screen.getByTestId("turn-stats").textContent ?? "";
    expect(stats).toContain("TTFT 120 ms");
    expect(stats).toContain("15 tokens (10 in, 5 out)");
    expect(stats).toContain("engine mock (gpt-mini)");
    expect(stats).toContain("trace-abc");
    expect(within(screen.getByTestId("turn-stats")).getByRole("link", { name: "request details" }).getAttribute("href")).toBe("/console/requests/req-1");

    const post = fake.callsTo("POST", "/v1/chat/completions")[0];
    expect(post?.headers["x-csrf-token"]).toBe(CSRF);
    expect(post?.body).toEqual({ model: "mock/gpt-mini", messages: [{ role: "user", content: "Say hello" }], stream: true, stream_options: { include_usage: true } });
    const lookups = fake.callsTo("GET", "/api/v2/usage");
    expect(lookups).toHaveLength(2);
    expect(lookups[0]?.url).toBe("/api/v2/usage?traceId=trace-abc&limit=1");
    expect(slept).toHaveLength(1);

    // The next turn carries the conversation (and the system prompt).
    await userEvent.selectOptions(screen.getByLabelText("Model"), "fast");
    await userEvent.type(screen.getByLabelText("System prompt"), "Be brief.");
    await userEvent.type(screen.getByLabelText("Message"), "Again{Control>}{Enter}{/Control}");
    await waitFor(() => expect(fake.callsTo("POST", "/v1/chat/completions")).toHaveLength(2));
    expect(fake.callsTo("POST", "/v1/chat/completions")[1]?.body).toMatchObject({
      model: "fast",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
        { role: "assistant", content: "Hello world" },
        { role: "user", content: "Again" },
      ],
    });
    await waitFor(() => expect(screen.getAllByTestId("turn-stats")).toHaveLength(2));
    await userEvent.click(await screen.findByRole("button", { name: "New conversation" }));
    expect(screen.getByText("No messages yet.")).toBeTruthy();
  });

  test("an error in the stream is shown with its code, after the text that came", async () => {
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      {
        method: "POST",
        path: "/v1/chat/completions",
        respond: () => sse([chunk("Partial"), `data: ${JSON.stringify({ error: { message: "the upstream cut the stream", type: "upstream_error", code: "upstream_error" } })}\n\n`], { "x-trace-id": "t-2" }),
      },
    ]);
    renderPage(<PlaygroundPage />, { fake });
    await screen.findByRole("option", { name: "fast" });
    await userEvent.type(screen.getByLabelText("Message"), "hi");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the upstream cut the stream");
    expect(alert.textContent).toContain("upstream_error");
    expect(screen.getByTestId("assistant-message").textContent).toBe("Partial");
    expect(screen.queryByTestId("turn-stats")).toBeNull();
  });

  test("a refused request and a stream that ends early are errors", async () => {
    let round = 0;
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      {
        method: "POST",
        path: "/v1/chat/completions",
        respond: () =>
          round++ === 0 ? json({ error: { message: "budget exhausted", type: "budget_exceeded", code: "budget_exceeded" } }, 402) : sse([chunk("cut")]),
      },
    ]);
    renderPage(<PlaygroundPage />, { fake });
    await screen.findByRole("option", { name: "fast" });
    await userEvent.type(screen.getByLabelText("Message"), "one");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect((await screen.findByRole("alert")).textContent).toContain("budget_exceeded");
    await userEvent.type(screen.getByLabelText("Message"), "two");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(screen.getAllByRole("alert")).toHaveLength(2));
    expect(screen.getAllByRole("alert")[1]?.textContent).toContain("stream_ended");
  });

  test("Stop ends the stream and keeps what came", async () => {
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      { method: "POST", path: "/v1/chat/completions", respond: (call: RecordedCall) => sse([chunk("Once upon")], {}, call.signal) },
    ]);
    renderPage(<PlaygroundPage />, { fake });
    await screen.findByRole("option", { name: "fast" });
    await userEvent.type(screen.getByLabelText("Message"), "story");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(screen.getByTestId("assistant-message").textContent).toBe("Once upon"));
    expect(screen.getByTestId("assistant-message").getAttribute("aria-busy")).toBe("true");
    await userEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByText("Stopped.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Send" })).toBeTruthy();
  });

  test("says so when the models cannot be listed", async () => {
    const fake = createFakeFetch([{ path: "/v1/models", respond: () => json({ error: { message: "forbidden here", type: "forbidden", code: "forbidden" } }, 403) }]);
    renderPage(<PlaygroundPage />, { fake, session: sessionFor("user", { sessionApi: false }) });
    expect((await screen.findByRole("alert")).textContent).toContain("forbidden here");
    expect(screen.queryByLabelText("Session chat")).toBeNull();
    expect(screen.getByRole("option", { name: "No models" })).toBeTruthy();
  });
});

describe("Playground: session chat", () => {
  test("streams a turn with citations and tool calls inline, and its stats", async () => {
    const sessionId = "0b8a7c53-6d2a-4e0e-9a51-1b0a3b8c1d11";
    const events = [
      `event: meta\ndata: ${JSON.stringify({ sessionId, messageId: "m1", traceId: "trace-s1", engine: "mock", model: "gpt-mini" })}\n\n`,
      `event: citations\ndata: ${JSON.stringify({ citations: [{ n: 1, documentId: "d1", title: "Runbook", chunkId: "c1", score: 0.91, headingPath: "Restart", excerpt: "Restart the pod." }] })}\n\n`,
      `event: tool\ndata: ${JSON.stringify({ id: "t1", name: "weather", arguments: { city: "Oslo" }, result: { tempC: 3 }, durationMs: 12, step: 1 })}\n\n`,
      `event: tool\ndata: ${JSON.stringify({ id: "t2", name: "search_documents", arguments: { query: "x" }, error: { code: "timeout", message: "took too long" }, durationMs: 10000, step: 1 })}\n\n`,
      `event: token\ndata: ${JSON.stringify({ text: "Restart it [1]." })}\n\n`,
      `event: done\ndata: ${JSON.stringify({ usage: { inputTokens: 40, outputTokens: 8, totalTokens: 48 }, finishReason: "stop", durationMs: 300, messageId: "m2", steps: 2 })}\n\n`,
    ];
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      { path: "/api/v2/chat/sessions", respond: { data: [], nextCursor: null } },
      { method: "POST", path: "/api/v2/chat/stream", respond: () => sse([events.join("").slice(0, 100), events.join("").slice(100)], { "x-trace-id": "trace-s1" }) },
      { path: "/api/v2/usage", respond: usageAfter(0, [ledgerRow("trace-s1", 0.001, 1), ledgerRow("trace-s1", 0.0005, 2)]) },
    ]);
    renderPage(<PlaygroundPage />, { fake, seams: { now: steppingClock() } });
    await screen.findByRole("option", { name: "mock/gpt-mini" });
    await userEvent.click(screen.getByLabelText("Session chat"));
    await userEvent.type(screen.getByLabelText("Project id"), "p1");
    await userEvent.click(screen.getByLabelText(/Retrieve from the project/));
    await userEvent.click(screen.getByLabelText(/Offer server-side tools/));
    await userEvent.type(screen.getByLabelText("Message"), "How do I restart?");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));

    await waitFor(() => expect(screen.getByTestId("assistant-message").textContent).toBe("Restart it [1]."));
    expect(screen.getByRole("heading", { name: "Sources" })).toBeTruthy();
    expect(screen.getByText("Runbook")).toBeTruthy();
    const tools = screen.getByRole("list", { name: "Tool calls" });
    expect(tools.textContent).toContain('weather({"city":"Oslo"}) → {"tempC":3}');
    expect(tools.textContent).toContain("took too long (timeout)");
    await waitFor(() => expect(screen.getByTestId("turn-stats").textContent).toContain("cost $0.001500"));
    const stats = screen.getByTestId("turn-stats").textContent ?? "";
    expect(stats).toContain("TTFT 120 ms");
    expect(stats).toContain("48 tokens (40 in, 8 out)");
    expect(stats).toContain("engine mock");
    expect(stats).toContain("trace-s1");
    const post = fake.callsTo("POST", "/api/v2/chat/stream")[0];
    expect(post?.headers["x-csrf-token"]).toBe(CSRF);
    expect(post?.body).toEqual({ message: "How do I restart?", engine: "mock", model: "gpt-mini", projectId: "p1", rag: true, tools: true });
    expect(fake.callsTo("GET", "/api/v2/usage")[0]?.url).toBe("/api/v2/usage?traceId=trace-s1&limit=20");

    // The next turn continues the session the gateway made.
    await userEvent.type(screen.getByLabelText("Message"), "Thanks");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(fake.callsTo("POST", "/api/v2/chat/stream")).toHaveLength(2));
    expect(fake.callsTo("POST", "/api/v2/chat/stream")[1]?.body).toMatchObject({ sessionId, message: "Thanks" });
  });

  test("opens a stored session's messages, and shows an error event", async () => {
    const fake = createFakeFetch([
      { path: "/v1/models", respond: models },
      { path: "/api/v2/chat/sessions", respond: { data: [{ id: "s1", title: "Old chat", projectId: null, engine: "mock", model: "gpt-mini", messageCount: 2, createdAt: "", updatedAt: "" }], nextCursor: null } },
      {
        path: "/api/v2/chat/sessions/s1/messages",
        respond: {
          data: [
            { id: "m1", role: "user", content: "Earlier question", engine: null, model: null, traceId: null, usage: null, status: "complete", citations: null, createdAt: "" },
            { id: "m2", role: "assistant", content: "Earlier answer", engine: "mock", model: "gpt-mini", traceId: "t-old", usage: { inputTokens: 3, outputTokens: 4 }, status: "incomplete", citations: [], createdAt: "" },
            { id: "m3", role: "tool", content: "{}", engine: null, model: null, traceId: null, usage: null, status: "complete", citations: null, createdAt: "" },
          ],
          nextCursor: null,
        },
      },
      { method: "POST", path: "/api/v2/chat/stream", respond: () => sse([`event: meta\ndata: {"sessionId":"s1","messageId":"m4","traceId":"t-4","engine":"mock","model":"gpt-mini"}\n\nevent: error\ndata: {"code":"budget_exceeded","message":"the budget is spent"}\n\n`]) },
    ]);
    renderPage(<PlaygroundPage />, { fake });
    await screen.findByRole("option", { name: "fast" });
    await userEvent.click(screen.getByLabelText("Session chat"));
    await screen.findByRole("option", { name: "Old chat (2 messages)" });
    await userEvent.selectOptions(screen.getByLabelText("Session"), "s1");
    expect(await screen.findByText("Earlier answer")).toBeTruthy();
    expect(screen.getByText("Stopped.")).toBeTruthy();
    expect(screen.getByText(/nothing in the project matched/)).toBeTruthy();
    expect(screen.getByTestId("turn-stats").textContent).toContain("7 tokens (3 in, 4 out)");
    await userEvent.selectOptions(screen.getByLabelText("Model"), "fast");
    await userEvent.type(screen.getByLabelText("Message"), "more");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the budget is spent");
    expect(alert.textContent).toContain("budget_exceeded");
    expect(fake.callsTo("POST", "/api/v2/chat/stream")[0]?.body).toEqual({ message: "more", engine: "fast", sessionId: "s1" });
  });
});
