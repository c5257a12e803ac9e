/**
 * Creates an API key through the admin API (POST /api/v2/admin/keys), as an operator would, and returns the key.
 */
import { request } from "undici";

export interface ApiKeyRequest {
  name: string;
  userId?: string;
  role?: "user" | "admin";
  allowedModels?: string[];
  rpm?: number;
  tpm?: number;
}

export async function createApiKey(gatewayUrl: string, adminKey: string, body: ApiKeyRequest, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let response: Awaited<ReturnType<typeof request>>;
  let text: string;
  for (;;) {
    response = await request(`${gatewayUrl}/api/v2/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    text = await response.body.text();
    // A gateway just started on a busy machine may shed load (503) while its event loop catches up: retry, as a client should.
    if (response.statusCode !== 503 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (response.statusCode !== 201) throw new Error(`creating an API key answered ${response.statusCode}: ${text}`);
  const parsed: unknown = JSON.parse(text);
  const key = typeof parsed === "object" && parsed !== null ? (parsed as { key?: unknown }).key : undefined;
  if (typeof key !== "string") throw new Error(`creating an API key returned no key: ${text}`);
  return key;
}
