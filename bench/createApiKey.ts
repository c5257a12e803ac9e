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

export async function createApiKey(gatewayUrl: string, adminKey: string, body: ApiKeyRequest): Promise<string> {
  const response = await request(`${gatewayUrl}/api/v2/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode !== 201) throw new Error(`creating an API key answered ${response.statusCode}: ${text}`);
  const parsed: unknown = JSON.parse(text);
  const key = typeof parsed === "object" && parsed !== null ? (parsed as { key?: unknown }).key : undefined;
  if (typeof key !== "string") throw new Error(`creating an API key returned no key: ${text}`);
  return key;
}
