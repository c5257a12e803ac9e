/**
 * The main thread's side of the usage ledger thread (ledgerAppendWorker.ts): started on the first append, one
 * batch at a time in the order asked, an append resolving once its batch is committed. When the thread crashes,
 * the batch it was writing and those waiting behind it fail with its error (the ledger writer keeps their rows and
 * retries them in order) and the next append starts a new thread. Held only while a batch is in flight: idle, it
 * never keeps the process alive, but a shutdown does not end it under a batch it is committing. close() lets the
 * appends already asked for finish, then ends the thread with its connection closed.
 */
import { Worker } from "node:worker_threads";
import type { LedgerReply, LedgerRequest } from "./ledgerAppendWorker.js";
import type { UsageRecord } from "./usageLedger.js";

export interface LedgerThread {
  /** Resolves once the records are committed, so every connection to the file sees them. */
  append(records: readonly UsageRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface LedgerThreadOptions {
  /** The worker module; tests wrap the real one to crash it. */
  workerModule?: URL | undefined;
}

interface Waiting {
  id: number;
  records: readonly UsageRecord[];
  resolve: () => void;
  reject: (error: Error) => void;
}

export function createLedgerThread(filename: string, options: LedgerThreadOptions = {}): LedgerThread {
  const workerModule = options.workerModule ?? new URL("./ledgerAppendWorker.js", import.meta.url);
  let worker: Worker | undefined;
  let inFlight: Waiting | undefined;
  const queue: Waiting[] = [];
  const unsettled = new Set<Promise<void>>();
  let nextId = 0;
  let closing: Promise<void> | undefined;

  // Those behind the failed batch fail too: written by a new thread meanwhile, they would land before its retry.
  const failAll = (error: Error) => {
    const failed = inFlight === undefined ? queue.splice(0) : [inFlight, ...queue.splice(0)];
    inFlight = undefined;
    for (const waiting of failed) waiting.reject(error);
  };

  const sendNext = () => {
    if (inFlight !== undefined) return;
    const next = queue.shift();
    if (next === undefined) {
      worker?.unref();
      return;
    }
    worker ??= start();
    worker.ref();
    inFlight = next;
    worker.postMessage({ kind: "append", id: next.id, records: next.records } satisfies LedgerRequest);
  };

  const start = (): Worker => {
    const started = new Worker(workerModule, { workerData: { filename } });
    started.on("message", (reply: LedgerReply) => {
      const waiting = inFlight;
      if (waiting === undefined || waiting.id !== reply.id) return;
      inFlight = undefined;
      if ("error" in reply) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve();
      sendNext();
    });
    // 'exit' follows 'error'; the guard keeps a thread started since from losing its batches to the old one's end.
    const crashed = (error: Error) => {
      if (worker !== started) return;
      worker = undefined;
      failAll(error);
    };
    started.on("error", crashed);
    started.on("exit", (code) => crashed(new Error(`the usage ledger thread exited (code ${code})`)));
    return started;
  };

  return {
    append(records) {
      if (closing !== undefined) return Promise.reject(new Error("the store is closed"));
      if (records.length === 0) return Promise.resolve();
      const appended = new Promise<void>((resolve, reject) => {
        queue.push({ id: ++nextId, records, resolve, reject });
      });
      const settled = appended.then(
        () => undefined,
        () => undefined,
      );
      unsettled.add(settled);
      void settled.then(() => unsettled.delete(settled));
      sendNext();
      return appended;
    },

    close() {
      closing ??= (async () => {
        await Promise.all(unsettled);
        const running = worker;
        worker = undefined;
        if (running === undefined) return;
        // Held until it has closed its connection, so a restore right after finds the file free.
        running.ref();
        const exited = new Promise((resolve) => running.once("exit", resolve));
        running.postMessage({ kind: "close" } satisfies LedgerRequest);
        await exited;
      })();
      return closing;
    },
  };
}
