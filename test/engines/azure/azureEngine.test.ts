/**
 * The Azure OpenAI engine against a real HTTP mock on deployment paths: the shared engine contract, the exact
 * paths, api-version and api-key header it sends (chat and embeddings), and a whole gateway serving it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { azureEngineSchema, type AzureEngineConfig } from "../../../src/config/schema.js";
import { createAzureEngine } from "../../../src/engines/azure/createAzureEngine.js";
import { runEngineContract } from "../../support/engineContract.js";
import { startMockUpstream } from "../../support/mockUpstream.js";
import { postJson } from "../../support/readSse.js";
import { startGateway } from "../../support/startGateway.js";
import { helloRequest, mockFaults, streamAll } from "../openai/openAIEngineFixture.js";

const originOf = (mockUrl: string) => mockUrl.replace(/\/v1$/, "");

function azureConfig(endpoint: string, overrides: Partial<AzureEngineConfig> = {}): AzureEngineConfig {
  return azureEngineSchema.parse({ name: "azure", type: "azure", endpoint, apiKey: "azure-key-1", models: ["mock-model"], connections: 4, ...overrides });
}

runEngineContract("azure", async () => {
  const mock = await startMockUpstream();
  const engine = createAzureEngine(azureConfig(originOf(mock.url)));
  return {
    engine,
    request: helloRequest,
    faults: mockFaults(mock),
    async dispose() {
      await engine.close();
      await mock.close();
    },
  };
}, { upstream: true });

test("azure: a model's deployment path with api-version, the key in api-key, no bearer token", async () => {
  const mock = await startMockUpstream();
  const engine = createAzureEngine(
    azureConfig(originOf(mock.url), { models: ["gpt-4o", "mock-model"], deployments: { "gpt-4o": "prod gpt4o" }, apiVersion: "2024-10-21", embeddingModels: ["text-embedding-3-small"] }),
  );
  try {
    await streamAll(engine, { ...helloRequest, model: "gpt-4o" });
    await streamAll(engine, helloRequest);
    const embedded = await engine.embeddings?.embed({ model: "text-embedding-3-small", input: ["hi"] }, new AbortController().signal);
    assert.equal(embedded?.vectors.length, 1);
    assert.deepEqual(
      mock.requests.map((request) => request.path),
      [
        "/openai/deployments/prod%20gpt4o/chat/completions?api-version=2024-10-21",
        "/openai/deployments/mock-model/chat/completions?api-version=2024-10-21",
        "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21",
      ],
    );
    for (const request of mock.requests) {
      assert.equal(request.headers["api-key"], "azure-key-1");
      assert.equal(request.headers.authorization, undefined);
    }
    assert.equal(engine.type, "azure");
  } finally {
    await engine.close();
    await mock.close();
  }
});

test("azure through the gateway: /v1/chat/completions answered by a deployment; a rejected key stays a 502 without the key", async () => {
  const mock = await startMockUpstream();
  const gateway = await startGateway({ engines: [{ name: "az", type: "azure", endpoint: originOf(mock.url), apiKey: "azure-secret-key-0123", models: ["mock-model"] }] });
  try {
    mock.script = () => ({ text: "from azure" });
    const ok = await postJson(`${gateway.url}/v1/chat/completions`, { model: "az/mock-model", messages: [{ role: "user", content: "hi" }] });
    assert.equal(ok.status, 200, await ok.clone().text());
    const body = (await ok.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    assert.equal(body.model, "az/mock-model");
    assert.equal(body.choices[0]?.message.content, "from azure");

    mock.script = () => ({ status: 401, errorMessage: "Access denied due to invalid subscription key azure-secret-key-0123" });
    const refused = await postJson(`${gateway.url}/v1/chat/completions`, { model: "az/mock-model", messages: [{ role: "user", content: "hi" }] });
    assert.equal(refused.status, 502);
    assert.doesNotMatch(await refused.text(), /azure-secret-key-0123/);
  } finally {
    await gateway.stop();
    await mock.close();
  }
});

test("azure config: apiKey and apiKeys together are refused; the endpoint must be a URL", () => {
  assert.throws(() => azureConfig("https://res.openai.azure.com", { apiKeys: ["a", "b"] }), /apiKey or apiKeys/);
  assert.throws(() => azureConfig("not a url"));
});
