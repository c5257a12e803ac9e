import { describe, expect, test } from "vitest";
import { formatCount, formatMs, formatPercent, formatTime, formatUsd, isoToLocalInput, localInputToIso } from "./formatters";

describe("formatters", () => {
  test("write numbers, money, durations and times one way", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(null)).toBe("—");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.0001234)).toBe("$0.000123");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(undefined)).toBe("—");
    expect(formatMs(12.4)).toBe("12 ms");
    expect(formatMs(2500)).toBe("2.50 s");
    expect(formatMs(null)).toBe("—");
    expect(formatPercent(0.123)).toBe("12.3%");
    expect(formatTime("2025-01-31T14:05:09.123Z")).toBe("2025-01-31 14:05:09 UTC");
    expect(formatTime(null)).toBe("—");
    expect(formatTime("soon")).toBe("soon");
  });

  test("datetime-local values round-trip through ISO instants", () => {
    const iso = localInputToIso("2025-06-01T08:30");
    expect(iso).toBeDefined();
    expect(isoToLocalInput(iso ?? "")).toBe("2025-06-01T08:30");
    expect(localInputToIso("")).toBeUndefined();
    expect(localInputToIso("junk")).toBeUndefined();
    expect(isoToLocalInput(null)).toBe("");
    expect(isoToLocalInput("junk")).toBe("");
  });
});
