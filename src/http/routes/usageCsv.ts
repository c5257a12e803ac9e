/**
 * Ledger rows as CSV (RFC 4180): a header of the usage view's field names, one CRLF-terminated line per row,
 * a field quoted only when it holds a comma, quote or line break. Text that a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR: a route or user id comes from the client) gets a leading apostrophe, so it
 * opens as text.
 */
import type { UsageRecord } from "../../store/usageLedger.js";
import { usageView, type UsageView } from "./usageView.js";

type Field = keyof UsageView;

export const USAGE_CSV_FIELDS: readonly Field[] = [
  "id",
  "createdAt",
  "requestId",
  "traceId",
  "keyId",
  "userId",
  "route",
  "engine",
  "model",
  "inputTokens",
  "cachedInputTokens",
  "outputTokens",
  "reasoningTokens",
  "costUsd",
  "estimated",
  "latencyMs",
  "ttftMs",
  "status",
  "errorCode",
];

export const USAGE_CSV_HEADER = `${USAGE_CSV_FIELDS.join(",")}\r\n`;

export function usageCsvLine(record: UsageRecord): string {
  const view = usageView(record);
  return `${USAGE_CSV_FIELDS.map((field) => csvField(view[field])).join(",")}\r\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: empty for null; text guarded against formulas, then quoted when it must be. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  let text = typeof value === "number" ? plainNumber(value) : String(value);
  // Numbers are left alone: none here is negative, and a guarded number would no longer read as one.
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A number in plain decimals: JavaScript writes a cost below a millionth of a dollar as 2e-7, which not every
 * reader of a CSV takes for a number. The digits are the shortest that read back as the same double.
 */
function plainNumber(value: number): string {
  const text = String(value);
  const small = /^(\d)(?:\.(\d+))?e-(\d+)$/.exec(text);
  if (small === null) return text;
  const [, lead = "", rest = "", exponent = "0"] = small;
  return `0.${"0".repeat(Number(exponent) - 1)}${lead}${rest}`;
}
