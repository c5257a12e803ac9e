/**
 * A bare Fastify hello-world, the floor a cache hit is compared with: one route answering a fixed JSON body of
 * about the size of a cached chat completion. `node dist/bench/helloWorld.js [--port 0]`.
 */
import Fastify from "fastify";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { announceListening } from "./announceListening.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string" } }, strict: true });
  const app = Fastify({ logger: false });
  const body = {
    id: "chatcmpl-hello",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "hello",
    choices: [{ index: 0, message: { role: "assistant", content: "Hello, world." }, finish_reason: "stop" }],
    usage: { prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 },
  };
  // POST like the chat route, so the comparison includes reading and parsing a request body.
  app.post("/v1/chat/completions", async () => body);
  await app.listen({ host: "127.0.0.1", port: Number(values.port ?? 0) });
  announceListening("hello world", app.server.address());
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`hello world: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
