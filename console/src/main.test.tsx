import { act, screen } from "@testing-library/react";
import { describe, expect, test } from "vitest";

describe("entry", () => {
  test("renders the console into #root with the browser's seams", async () => {
    const root = document.createElement("div");
    root.id = "root";
    document.body.append(root);
    const answered: string[] = [];
    window.fetch = async (input) => {
      answered.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      return new Response(JSON.stringify({ error: { code: "unauthorized", message: "no session" } }), { status: 401 });
    };
    const { browserSeams } = await act(async () => import("./main"));
    expect(await screen.findByLabelText("API key")).toBeTruthy();
    expect(answered).toContain("/api/v2/console/session");
    const seams = browserSeams();
    expect(seams.createXhr()).toBeInstanceOf(XMLHttpRequest);
    expect(typeof seams.now()).toBe("number");
    await seams.sleep(1);
    root.remove();
  });
});
