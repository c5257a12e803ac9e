import { runEngineContract } from "../../support/engineContract.js";
import { helloRequest, mockFaults, startOpenAIEngineFixture } from "./openAIEngineFixture.js";

runEngineContract("openai", async () => {
  const fixture = await startOpenAIEngineFixture();
  return { engine: fixture.engine, request: helloRequest, dispose: () => fixture.close(), faults: mockFaults(fixture.mock) };
}, { upstream: true });
