/** The Gemini engine runs the shared engine contract against the Gemini-format mock, faults included. */
import { createGeminiEngine } from "../../../src/engines/gemini/createGeminiEngine.js";
import { runEngineContract } from "../../support/engineContract.js";
import { startMockGeminiUpstream } from "../../support/mockGeminiUpstream.js";
import { geminiConfig, geminiFaults, helloRequest } from "./geminiFixture.js";

runEngineContract(
  "gemini",
  async () => {
    const mock = await startMockGeminiUpstream();
    const engine = createGeminiEngine(geminiConfig(mock.origin));
    return {
      engine,
      request: helloRequest,
      faults: geminiFaults(mock),
      async dispose() {
        await engine.close();
        await mock.close();
      },
    };
  },
  { upstream: true },
);
