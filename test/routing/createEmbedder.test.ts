/**
 * createEmbedder: the retrieval code's embedding function, over the live routing and a mock upstream.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { createRouting, type Routing } from "../../src/routing/createRouting.js";
import { createEmbedder } from "../../src/routing/createEmbedder.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { mockEmbedding } from "../support/mockUpstreamWire.js";

let mock: MockUpstream;
let routing: Routing;
const configFor = (extra: Record<string, unknown>) =>
  configSchema.parse({
    engines: [{ name: "up", type: "openai", baseUrl: mock.url, embeddingModels: ["emb"], retry: { attempts: 0 }, timeouts: { totalMs: 300 } }],
    ...extra,
  });

before(async () => {
  mock = await startMockUpstream();
  routing = createRouting(configFor({}), createLogger("silent"));
});
after(async () => {
  await routing.close();
  await mock.close();
});

test("embeds in batches within maxInputs and maxInputBytes, vectors in input order", async () => {
  mock.reset();
  const embed = createEmbedder(routing.router, configFor({ embeddings: { engine: "up", maxInputs: 3, maxInputBytes: 10 } }));
  const texts = ["a", "b", "c", "d", "eeeeeeeee", "f"];
  assert.deepEqual(await embed(texts, new AbortController().signal), texts.map((text) => mockEmbedding(text)));
  assert.deepEqual(
    mock.requests.map((request) => request.body.input),
    [["a", "b", "c"], ["d", "eeeeeeeee"], ["f"]],
  );
  assert.deepEqual(await embed([], new AbortController().signal), []);
});

test("without a configured default it says what to configure; an aborted signal stops it", async () => {
  const none = createEmbedder(routing.router(), configFor({}));
  await assert.rejects(none(["x"], new AbortController().signal), (error: Error & { code?: string }) => error.code === "engine_unavailable" && /embeddings/.test(error.message));
  const embed = createEmbedder(routing.router, configFor({ embeddings: { engine: "up" } }));
  await assert.rejects(embed(["x"], AbortSignal.abort()), { name: "AbortError" });
});

test("an upstream slower than the engine's total timeout is engine_timeout; a hanging call is cancelled upstream", async () => {
  mock.reset();
  mock.script = () => ({ hang: true });
  const embed = createEmbedder(routing.router, configFor({ embeddings: { engine: "up" } }));
  await assert.rejects(embed(["x"], new AbortController().signal), (error: Error & { code?: string }) => error.code === "engine_timeout");
  await mock.waitForAborted(1);
});
