/**
 * The main thread's side of the vector scan thread (vectorScanWorker.ts): started on the first scan, one scan at a
 * time in order, restarted after a crash (the scans it was running fail with its error). unref'd, so it never keeps
 * the process alive; close() ends it.
 */
import { Worker } from "node:worker_threads";
import type { ScanReply, ScanRequest } from "./vectorScanWorker.js";

export interface ScanThread {
  all<Row>(sql: string, parameters: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export function createScanThread(filename: string): ScanThread {
  let worker: Worker | undefined;
  let closed = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    const started = new Worker(new URL("./vectorScanWorker.js", import.meta.url), { workerData: { filename } });
    started.unref();
    started.on("message", (reply: ScanReply) => {
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if ("error" in reply) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.rows);
    });
    started.on("error", (error) => {
      if (worker === started) worker = undefined;
      failAll(error);
    });
    started.on("exit", (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`the vector scan thread exited (code ${code})`));
    });
    return started;
  };

  return {
    all<Row>(sql: string, parameters: readonly unknown[]): Promise<Row[]> {
      if (closed) return Promise.reject(new Error("the store is closed"));
      worker ??= start();
      const id = ++nextId;
      const request: ScanRequest = { id, sql, parameters };
      return new Promise<Row[]>((resolve, reject) => {
        pending.set(id, { resolve: (rows) => resolve(rows as Row[]), reject });
        worker?.postMessage(request);
      });
    },
    async close() {
      closed = true;
      const running = worker;
      worker = undefined;
      if (running !== undefined) await running.terminate();
      failAll(new Error("the store is closed"));
    },
  };
}
