/**
 * A guardrail webhook on loopback for tests: checks each call's signature the way a receiver would (verifyWebhook
 * over the raw body), records it, and answers as `answer` says: a verdict, a status, or nothing at all (`hang`,
 * until the gateway gives up and closes the connection).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import type { WebhookPayload } from "../../src/guardrails/createWebhookCheck.js";

export interface ReceivedCheck {
  payload: WebhookPayload;
  /** Whether the x-switchyard-signature header verified under the secret. */
  signed: boolean;
  signature: string | undefined;
  raw: string;
}

export type Answer = { verdict: Record<string, unknown> } | { status: number; body?: string } | "hang";

export interface GuardrailWebhookServer {
  url: string;
  received: ReceivedCheck[];
  answer: (payload: WebhookPayload) => Answer;
  close(): Promise<void>;
}

export async function startGuardrailWebhook(secret: string): Promise<GuardrailWebhookServer> {
  const hook: GuardrailWebhookServer = { url: "", received: [], answer: () => ({ verdict: { action: "allow" } }), close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const signature = req.headers["x-switchyard-signature"] as string | undefined;
      const payload = JSON.parse(raw) as WebhookPayload;
      hook.received.push({ payload, signed: verifyWebhook(secret, signature, raw), signature, raw });
      const answer = hook.answer(payload);
      if (answer === "hang") return;
      if ("verdict" in answer) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.verdict));
        return;
      }
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
  hook.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hook;
}
