/**
 * The usage ledger worker with crashes a test arms by creating a marker file beside the store:
 * `<file>.crash-before` ends the thread when the next batch arrives, before anything is written;
 * `<file>.crash-after` ends it once that batch is committed, before its reply leaves. A marker is used up by
 * its crash, so the thread started next behaves.
 */
import { existsSync, rmSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { LedgerRequest } from "../../src/store/ledgerAppendWorker.js";

const port = parentPort;
if (port !== null) {
  const { filename } = workerData as { filename: string };
  const armed = (suffix: string) => {
    const marker = `${filename}.${suffix}`;
    if (!existsSync(marker)) return false;
    rmSync(marker);
    return true;
  };
  // Registered before the real worker's listener, so it sees each batch first.
  port.on("message", (request: LedgerRequest) => {
    if (request.kind !== "append") return;
    if (armed("crash-before")) process.exit(70);
    if (armed("crash-after")) port.postMessage = () => process.exit(71);
  });
  await import("../../src/store/ledgerAppendWorker.js");
}
