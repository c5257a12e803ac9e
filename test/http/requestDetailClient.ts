/** The request detail API as the tests read it, and how a test finds the requestId of a request it just made. */
import assert from "node:assert/strict";
import type { TestGateway } from "../support/startGateway.js";
import type { UsageList, UsageRow } from "./usageTypes.js";

export interface RequestDetail {
  request: UsageRow;
  bodies: {
    request: unknown;
    answer: string;
    toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
    truncated: boolean;
  } | null;
  bodiesLogged: boolean;
}

export const get = (gateway: TestGateway, token: string, path: string): Promise<Response> => fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

export const post = (gateway: TestGateway, token: string, path: string, body: unknown): Promise<Response> =>
  fetch(`${gateway.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

/** The caller's usage row of the response (found by its x-trace-id), read whole first. */
export async function usageRowOf(gateway: TestGateway, token: string, response: Response): Promise<UsageRow> {
  await response.arrayBuffer();
  const traceId = response.headers.get("x-trace-id");
  assert.ok(traceId, "the response names its trace");
  const listed = await get(gateway, token, `/api/v2/usage?traceId=${traceId}`);
  assert.equal(listed.status, 200, await listed.clone().text());
  const [row] = ((await listed.json()) as UsageList).data;
  assert.ok(row, `a usage row for trace ${traceId}`);
  return row;
}

/** GET a request detail, asserting a 200. */
export async function detailOf(gateway: TestGateway, token: string, path: string): Promise<RequestDetail> {
  const response = await get(gateway, token, path);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as RequestDetail;
}
