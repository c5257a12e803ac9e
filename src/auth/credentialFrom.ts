import type { IncomingHttpHeaders } from "node:http";

/**
 * The credential a request carries: `Authorization: Bearer <token>` (what OpenAI clients send), else
 * `X-API-Key: <token>` (what some SDKs and curl users prefer). Other Authorization schemes are ignored.
 */
export function credentialFrom(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const apiKey = headers["x-api-key"];
  const value = (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim();
  return value ? value : undefined;
}
