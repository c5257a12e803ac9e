import { runEngineContract } from "../../support/engineContract.js";
import { anthropicFaults, helloRequest, startAnthropicEngineFixture } from "./anthropicEngineFixture.js";

runEngineContract("anthropic", async () => {
  const fixture = await startAnthropicEngineFixture();
  return { engine: fixture.engine, request: helloRequest, dispose: () => fixture.close(), faults: anthropicFaults(fixture.mock) };
}, { upstream: true });
