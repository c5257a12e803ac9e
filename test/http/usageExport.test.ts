/**
 * The CSV export over real HTTP: requests made through the gateway come back as RFC 4180 lines that parse back
 * to exactly what the JSON listing says (formula-looking text guarded), in pages for a large ledger, filtered,
 * named after the window, and only the caller's own rows on the user route.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";
import { openStore } from "../../src/store/openStore.js";
import { usageRecord } from "../metering/usageRecord.js";
import type { UsageList, UsageRow } from "./usageTypes.js";
import { parseCsv } from "./parseCsv.js";

// A user id a spreadsheet would run as a formula, with the comma and quotes that force RFC 4180 quoting.
const EVIL_USER = '=HYPERLINK("http://evil.example","click")';
const FIELDS = ["id", "createdAt", "requestId", "traceId", "keyId", "userId", "route", "engine", "model", "inputTokens", "cachedInputTokens", "outputTokens", "reasoningTokens", "costUsd", "estimated", "latencyMs", "ttftMs", "status", "errorCode"] as const;
const BULK = 1203;

let mock: MockUpstream;
let gateway: TestGateway;
let evil: KeyCreated;
let bob: KeyCreated;

const exportOf = async (token: string, path: string) => {
  const response = await call(gateway, "GET", path, { token });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return { response, rows: parseCsv(await response.text()) };
};
const listed = async (query: string) => {
  const response = await call(gateway, "GET", `/api/v2/admin/usage?limit=100&${query}`, { token: ADMIN_KEY });
  assert.equal(response.status, 200);
  return ((await response.json()) as UsageList).data;
};
/** The CSV line a listed row must have become: text as is (guarded when formula-like), null empty. */
const expectedLine = (row: UsageRow) =>
  FIELDS.map((field) => {
    const value = row[field];
    if (value === null) return "";
    const text = String(value);
    return typeof value === "string" && /^[=+\-@]/.test(text) ? `'${text}` : text;
  });

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ chunks: ["ok"], usage: { prompt_tokens: 7, completion_tokens: 3 } });
  gateway = await startAuthGateway(mock, { pricing: { "vllm/mock-model": { input: 1.5, output: 2 } } });
  evil = await createKey(gateway, { name: "evil", userId: EVIL_USER });
  bob = await createKey(gateway, { name: "bob", userId: "bob" });
  const ask = async (key: KeyCreated, headers: Record<string, string> = {}, model = "vllm/mock-model") => {
    const response = await call(gateway, "POST", "/v1/chat/completions", { token: key.key, body: chatBody(model), headers });
    assert.equal(response.status, 200, await response.text());
  };
  // A trace id of the client's choosing that starts with "-": guarded too.
  await ask(evil, { "x-trace-id": "-1.5" });
  await ask(evil);
  for (let i = 0; i < 3; i++) await ask(bob, {}, i === 0 ? "chat" : "vllm/mock-model");

  // A ledger larger than one page of the export, written beside the gateway through a store of its own.
  const store = await openStore(gateway.config.store.url);
  try {
    const base = Date.UTC(2024, 5, 1);
    await store.usage.append(Array.from({ length: BULK }, (_, i) => usageRecord("bulk", { createdAt: base + i * 1000, costUsd: i === 5 ? 2.5e-7 : i / 1e6, ttftMs: i % 3 === 0 ? null : i })));
  } finally {
    await store.close();
  }
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
});

test("the admin export: headers, a header row, and every request exactly as the JSON listing has it", async () => {
  const { response, rows } = await exportOf(ADMIN_KEY, "/api/v2/admin/usage/export.csv?from=2025-01-01");
  assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.match(response.headers.get("content-disposition") ?? "", /^attachment; filename="switchyard-usage-20250101T000000Z-\d{8}T\d{6}Z\.csv"$/);
  const [header, ...lines] = rows;
  assert.deepEqual(header, [...FIELDS]);
  const json = await listed("from=2025-01-01");
  assert.equal(json.length, 5);
  assert.deepEqual(lines, json.map(expectedLine), "same rows, same order (newest first), same values");

  const evilLines = lines.filter((line) => line[5] === `'${EVIL_USER}`);
  assert.equal(evilLines.length, 2, "the formula-like user id is guarded with a leading apostrophe");
  assert.ok(evilLines.some((line) => line[3] === "'-1.5"), "so is a trace id starting with -");
  assert.ok(lines.every((line) => line.every((field) => !/^[=+\-@]/.test(field))), "no field starts a formula");
});

test("quoting: a field with a comma or quote is quoted, quotes doubled; others are bare", async () => {
  const response = await call(gateway, "GET", `/api/v2/admin/usage/export.csv?keyId=${evil.id}`, { token: ADMIN_KEY });
  const text = await response.text();
  assert.ok(text.includes(`,"'=HYPERLINK(""http://evil.example"",""click"")",`), text);
  assert.ok(text.endsWith("\r\n"));
  assert.equal(text.split("\r\n")[0], FIELDS.join(","));
});

test("a ledger larger than a page streams whole, newest first; filters and the window name the file", async () => {
  const { response, rows } = await exportOf(ADMIN_KEY, "/api/v2/admin/usage/export.csv?userId=bulk");
  assert.match(response.headers.get("content-disposition") ?? "", /filename="switchyard-usage-start-\d{8}T\d{6}Z\.csv"/);
  const lines = rows.slice(1);
  assert.equal(lines.length, BULK);
  assert.equal(new Set(lines.map((line) => line[0])).size, BULK, "no row twice across pages");
  const times = lines.map((line) => Date.parse(line[1] ?? ""));
  assert.deepEqual(times, [...times].sort((a, b) => b - a));
  assert.equal(lines.at(-1)?.[1], new Date(Date.UTC(2024, 5, 1)).toISOString());
  assert.equal(lines[0]?.[16], "1202", "ttftMs of the newest");
  const at = (second: number) => lines.find((line) => line[1] === new Date(Date.UTC(2024, 5, 1) + second * 1000).toISOString());
  assert.equal(at(3)?.[16], "", "a null is an empty field");
  assert.equal(at(5)?.[13], "0.00000025", "a tiny cost in plain decimals, not 2.5e-7");
  assert.equal(at(7)?.[13], "0.000007");

  const window = await exportOf(ADMIN_KEY, "/api/v2/admin/usage/export.csv?userId=bulk&from=2024-06-01T00:00:10Z&to=2024-06-01T00:00:20Z");
  assert.match(window.response.headers.get("content-disposition") ?? "", /filename="switchyard-usage-20240601T000010Z-20240601T000020Z\.csv"/);
  assert.equal(window.rows.length, 11, "header and ten rows");
  const route = await exportOf(ADMIN_KEY, "/api/v2/admin/usage/export.csv?route=chat&from=2025-01-01");
  assert.deepEqual(route.rows.slice(1).map((line) => [line[5], line[6]]), [["bob", "chat"]]);
  const nothing = await exportOf(ADMIN_KEY, `/api/v2/admin/usage/export.csv?traceId=${randomUUID()}`);
  assert.deepEqual(nothing.rows, [[...FIELDS]], "an empty export is the header alone");
});

test("the own export: the caller's rows only; a user cannot reach the admin export", async () => {
  const { rows } = await exportOf(bob.key, "/api/v2/usage/export.csv");
  assert.equal(rows.length, 4);
  assert.ok(rows.slice(1).every((line) => line[5] === "bob"));
  for (const [path, status, code] of [
    ["/api/v2/usage/export.csv?userId=alice", 400, "invalid_request"],
    ["/api/v2/usage/export.csv?from=soon", 400, "invalid_request"],
    ["/api/v2/admin/usage/export.csv", 403, "forbidden"],
  ] as const) {
    const response = await call(gateway, "GET", path, { token: bob.key });
    assert.equal(response.status, status, path);
    assert.equal(((await response.json()) as ErrorBody).error.code, code);
  }
  assert.equal((await call(gateway, "GET", "/api/v2/usage/export.csv")).status, 401);
});
