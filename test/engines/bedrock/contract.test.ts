/** The Bedrock engine through the shared engine contract, against the ConverseStream mock on loopback. */
import { bedrockEngineSchema } from "../../../src/config/schema.js";
import { createBedrockEngine } from "../../../src/engines/bedrock/createBedrockEngine.js";
import { runEngineContract } from "../../support/engineContract.js";
import { startMockBedrockUpstream } from "../../support/mockBedrockUpstream.js";

runEngineContract(
  "bedrock",
  async () => {
    const mock = await startMockBedrockUpstream();
    const engine = createBedrockEngine(
      bedrockEngineSchema.parse({
        name: "bedrock",
        type: "bedrock",
        region: "us-east-1",
        endpoint: mock.origin,
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
        models: ["anthropic.claude-test-v1:0"],
      }),
    );
    return {
      engine,
      request: { model: "anthropic.claude-test-v1:0", messages: [{ role: "user", content: "Say hello" }] },
      faults: mock.faults,
      async dispose() {
        await engine.close();
        await mock.close();
      },
    };
  },
  { upstream: true },
);
