/**
 * Polls a URL until it answers 2xx: readiness for a child that does not announce itself (a gateway logging at
 * warn never writes its "listening" line).
 */
import { request } from "undici";

export async function waitForHttp(url: string, options: { timeoutMs?: number; exited?: Promise<unknown> } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let gone = false;
  void options.exited?.then(() => {
    gone = true;
  });
  let last = "no answer yet";
  while (Date.now() < deadline && !gone) {
    try {
      const response = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return;
      last = `status ${response.statusCode}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(gone ? `the process behind ${url} exited before it was ready` : `${url} not ready in time (${last})`);
}
