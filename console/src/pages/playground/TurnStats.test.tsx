import { render, screen } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { TurnStats, costText, tokensText } from "./TurnStats";
import { splitEngineModel } from "./engineOf";

describe("turn stats", () => {
  test("read TTFT, tokens, cost, engine and trace id", () => {
    render(<TurnStats stats={{ ttftMs: 1530, inputTokens: 1200, outputTokens: 34, costUsd: 0.5, engine: "vllm", model: "meta/llama", traceId: "tr-1", requestId: null }} />);
    const text = screen.getByTestId("turn-stats").textContent;
    expect(text).toContain("TTFT 1.53 s");
    expect(text).toContain("1,234 tokens (1,200 in, 34 out)");
    expect(text).toContain("cost $0.50");
    expect(text).toContain("engine vllm (meta/llama)");
    expect(text).toContain("trace tr-1");
    expect(screen.queryByRole("link")).toBeNull();
  });

  test("say what is not known yet, or at all", () => {
    expect(tokensText({ inputTokens: null, outputTokens: null })).toBe("tokens unknown");
    expect(tokensText({ inputTokens: null, outputTokens: 3 })).toBe("3 tokens (0 in, 3 out)");
    expect(costText(undefined)).toBe("cost …");
    expect(costText(null)).toBe("cost unknown");
    render(<TurnStats stats={{ ttftMs: null, inputTokens: null, outputTokens: null, costUsd: null, engine: null, model: null, traceId: null, requestId: null }} />);
    expect(screen.getByTestId("turn-stats").textContent).toContain("TTFT —");
  });

  test("the engine is the part of engine/model before the first slash", () => {
    expect(splitEngineModel("vllm/meta-llama/Llama-3")).toEqual({ engine: "vllm", model: "meta-llama/Llama-3" });
    expect(splitEngineModel("fast")).toEqual({ engine: "fast", model: null });
  });
});
