/**
 * One plain and one streamed request before measuring: a misconfigured variant (401, 404, a stream that never
 * ends in [DONE], or in `message_stop` on Anthropic's /v1/messages) should stop the benchmark at once, not show
 * up as a suspiciously fast row.
 */
import { request } from "undici";
import type { ChatTarget } from "./chatTarget.js";

export async function checkChatTarget(name: string, target: ChatTarget): Promise<void> {
  const url = `${target.origin}${target.path}`;
  const plain = await request(url, { method: "POST", headers: target.headers, body: target.plainBody });
  const plainText = await plain.body.text();
  const messages = target.path === "/v1/messages";
  if (plain.statusCode !== 200 || !plainText.includes(messages ? '"type":"message"' : '"choices"')) {
    throw new Error(`${name}: a plain request answered ${plain.statusCode}: ${plainText.slice(0, 500)}`);
  }
  const stream = await request(url, { method: "POST", headers: target.headers, body: target.streamBody });
  const streamText = await stream.body.text();
  if (stream.statusCode !== 200 || !streamText.includes(messages ? "event: message_stop" : "data: [DONE]")) {
    throw new Error(`${name}: a streamed request answered ${stream.statusCode}: ${streamText.slice(0, 500)}`);
  }
}
