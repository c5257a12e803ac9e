import { runEngineContract } from "../../support/engineContract.js";
import { createLocalEngine } from "../../../src/engines/local/createLocalEngine.js";
import { storyRequest, tinyModelConfig } from "./localTestEngine.js";

runEngineContract("local", async () => {
  const engine = createLocalEngine(tinyModelConfig());
  await engine.whenLoaded();
  return { engine, request: storyRequest(), dispose: () => engine.close() };
});
