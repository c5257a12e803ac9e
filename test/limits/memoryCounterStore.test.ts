import { mock } from "node:test";
import { memoryCounterStore } from "../../src/limits/memoryCounterStore.js";
import { runCounterStoreContract } from "./counterStoreContract.js";

runCounterStoreContract("memory", async () => {
  mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_700_000_000_000 });
  return {
    store: memoryCounterStore,
    async advance(ms) {
      mock.timers.tick(ms);
    },
    async dispose() {
      mock.timers.reset();
    },
  };
});
