/** Usage rows still buffered when the server shuts down are written before the store closes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway } from "../support/startGateway.js";
import { postJson } from "../support/readSse.js";
import { openStore } from "../../src/store/openStore.js";

test("shutdown flushes the ledger after the drain and before the store closes", async () => {
  const mock = await startMockUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-ledger-"));
  try {
    mock.script = () => ({ chunks: ["a"], usage: { prompt_tokens: 3, completion_tokens: 4 } });
    const gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)], rateLimits: { enabled: false } }, { dataDir, keepData: true });
    for (let i = 0; i < 3; i++) {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, { model: "vllm/mock-model", stream: i === 0, messages: [{ role: "user", content: "hi" }] });
      await response.text();
    }
    // The writer flushes every second; stopping at once leaves the rows to the shutdown flush.
    await gateway.stop();
    const store = await openStore(`sqlite:${join(dataDir, "switchyard.db")}`);
    try {
      const totals = await store.usage.totals({});
      assert.deepEqual([totals.requests, totals.inputTokens, totals.outputTokens], [3, 9, 12]);
    } finally {
      await store.close();
    }
  } finally {
    await mock.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
