/**
 * Where delivery attempts wait for their turn: an in-process queue with timers for retries. The interface is
 * what a shared queue (BullMQ on Redis) will implement, so retries survive restarts and replicas share work.
 */
export interface DeliveryJob {
  deliveryId: string;
  /** A stored subscription's id or `config:<index>`; the secret is looked up when the job runs, never queued. */
  subscriptionId: string;
  event: string;
  body: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type DeliveryWorker = (job: DeliveryJob, signal: AbortSignal) => Promise<void>;

export interface DeliveryQueue {
  enqueue(job: DeliveryJob, delayMs: number): void;
  /** Sets the function that runs jobs; jobs enqueued before wait for it. */
  process(worker: DeliveryWorker): void;
  /**
   * Stops: jobs due now still run (for up to `graceMs`, then they are aborted); jobs waiting for a later retry
   * are dropped. Resolves with the number dropped.
   */
  stop(graceMs: number): Promise<number>;
}

export function createMemoryDeliveryQueue(options: { concurrency?: number } = {}): DeliveryQueue {
  const concurrency = options.concurrency ?? 8;
  const ready: DeliveryJob[] = [];
  const delayed = new Map<NodeJS.Timeout, DeliveryJob>();
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let worker: DeliveryWorker | undefined;
  let stopping = false;
  let idle: (() => void) | undefined;

  const pump = () => {
    while (worker !== undefined && running.size < concurrency && ready.length > 0) {
      const job = ready.shift() as DeliveryJob;
      // The worker records its own failures; a throw here is a bug, and must not stop the queue.
      const run: Promise<void> = worker(job, abort.signal)
        .catch(() => undefined)
        .finally(() => {
          running.delete(run);
          pump();
        });
      running.add(run);
    }
    if (running.size === 0 && ready.length === 0) idle?.();
  };

  return {
    enqueue(job, delayMs) {
      if (stopping) return;
      if (delayMs <= 0) {
        ready.push(job);
        pump();
        return;
      }
      const timer = setTimeout(() => {
        delayed.delete(timer);
        ready.push(job);
        pump();
      }, delayMs);
      // A pending retry must not keep the process alive on its own.
      timer.unref();
      delayed.set(timer, job);
    },
    process(next) {
      worker = next;
      pump();
    },
    async stop(graceMs) {
      stopping = true;
      for (const timer of delayed.keys()) clearTimeout(timer);
      const dropped = delayed.size;
      delayed.clear();
      if (worker === undefined) return dropped + ready.splice(0).length;
      if (running.size > 0 || ready.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
        ]);
        clearTimeout(timer);
      }
      const left = ready.splice(0).length;
      abort.abort(new DOMException("webhook delivery stopped at shutdown", "AbortError"));
      await Promise.allSettled([...running]);
      return dropped + left;
    },
  };
}
