/**
 * The in-process engine with the real tiny model, through both APIs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import { tinyModelPath } from "../support/tinyModel.js";
import { eventually } from "../support/eventually.js";

let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  gateway = await startGateway({ engines: [{ name: "gguf", type: "local", model: tinyModelPath, maxConcurrency: 2, contextSize: 512 }] });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  await eventually(async () => (await fetch(`${gateway.url}/health/ready`)).status === 200, 20000, "the model to load");
});
after(() => gateway.stop());

test("OpenAI API streams at least 16 tokens from the local model, with usage", async () => {
  const stream = await client.chat.completions.create({
    model: "gguf/default",
    messages: [{ role: "user", content: "Once upon a time" }],
    max_tokens: 40,
    temperature: 0.8,
    seed: 7,
    stream: true,
    stream_options: { include_usage: true },
  });
  let deltas = 0;
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content;
    if (content) {
      deltas += 1;
      text += content;
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(deltas >= 16, `streamed ${deltas} deltas`);
  assert.ok(text.trim().length > 0);
  assert.ok(usage, "usage arrives");
  assert.ok(usage.prompt_tokens > 0);
  assert.ok(usage.completion_tokens >= 16, `counted ${usage.completion_tokens} output tokens`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.equal(finish, "length");
});

test("OpenAI API non-streaming from the local model", async () => {
  const completion = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 20 });
  assert.ok((completion.choices[0]?.message.content ?? "").length > 0);
  assert.equal(completion.usage?.completion_tokens, 20);
});

test("session API streams at least 16 tokens from the local model, with usage", async () => {
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Once upon a time", engine: "gguf" });
  assert.equal(response.status, 200);
  const events = await readSse(response);
  const tokens = events.filter((e) => e.event === "token");
  assert.ok(tokens.length >= 16, `streamed ${tokens.length} tokens`);
  const done = JSON.parse(events.at(-1)?.data ?? "{}") as { usage: { outputTokens: number; inputTokens: number } };
  assert.equal(events.at(-1)?.event, "done");
  assert.ok(done.usage.outputTokens >= 16);
  assert.ok(done.usage.inputTokens > 0);
  const meta = JSON.parse(events[0]?.data ?? "{}") as { engine?: string; model?: string };
  assert.equal(meta.engine, "gguf");
  assert.equal(meta.model, "default");
});

test("tools are refused by the local engine with a clear 400", async () => {
  await assert.rejects(
    client.chat.completions.create({
      model: "gguf/default",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    }),
    (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400 && error.code === "invalid_request",
  );
});

test("images are refused by the local engine with a clear 400 (a text model would answer as if they were not there)", async () => {
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "gguf/default",
      max_tokens: 8,
      messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }, { type: "text", text: "what is this?" }] }],
    }),
  });
  assert.equal(response.status, 400);
  const body = (await response.json()) as { error: { type: string; message: string } };
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /does not take images/);
});
