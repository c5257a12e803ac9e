/**
 * One webhook POST over undici, on its own connection pool: bounded by a timeout, no redirects followed (a
 * receiver cannot bounce a signed delivery elsewhere), and the response body read and discarded.
 */
import { Agent, request } from "undici";

export interface PostResult {
  ok: boolean;
  /** The receiver's HTTP status; null when there was no answer. */
  status: number | null;
  error: string | null;
}

export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostResult>;
  close(): Promise<void>;
}

export function createWebhookPoster(options: { timeoutMs: number }): WebhookPoster {
  const agent = new Agent({ connect: { timeout: options.timeoutMs }, keepAliveTimeout: 5_000, connections: 16 });
  return {
    async post(url, headers, body, signal) {
      try {
        const response = await request(url, {
          method: "POST",
          headers,
          body,
          dispatcher: agent,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        });
        await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        return { ok, status: response.statusCode, error: ok ? null : `the receiver answered ${response.statusCode}` };
      } catch (error) {
        return { ok: false, status: null, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    },
    close: () => agent.close(),
  };
}
