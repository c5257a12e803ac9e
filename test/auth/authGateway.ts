/**
 * A gateway with authentication on, for the auth tests: a bootstrap admin key, rate limits off (these tests make
 * many calls with one key), and helpers to mint keys through the admin API and call with a credential.
 */
import { startGateway, openAIEngine, type TestGateway } from "../support/startGateway.js";
import type { MockUpstream } from "../support/mockUpstream.js";

export const ADMIN_KEY = "sy-test-bootstrap-admin-key-0123456789abcdef";

export interface KeyCreated {
  id: string;
  key: string;
  name: string;
  userId: string;
  role: "user" | "admin";
  prefix: string;
  allowedModels: string[] | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function startAuthGateway(upstream: MockUpstream, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const { auth, ...rest } = extra as { auth?: Record<string, unknown> };
  return startGateway({
    engines: [openAIEngine("vllm", upstream.url, ["mock-model", "other-model"])],
    routes: [{ name: "chat", targets: ["vllm/mock-model"] }],
    rateLimits: { enabled: false },
    ...rest,
    auth: { mode: "keys", adminKey: ADMIN_KEY, ...auth },
  });
}

export function call(gateway: TestGateway, method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${gateway.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}

export async function createKey(gateway: TestGateway, body: Record<string, unknown>): Promise<KeyCreated> {
  const response = await call(gateway, "POST", "/api/v2/admin/keys", { token: ADMIN_KEY, body });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as KeyCreated;
}

export const chatBody = (model = "vllm/mock-model") => ({ model, messages: [{ role: "user", content: "Hi" }] });
