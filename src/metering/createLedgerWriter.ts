/**
 * Buffers usage records and writes them in batches, one transaction each: every second, whenever 200 are
 * waiting, and on close. Writing per request would put a synchronous SQLite write (or a PostgreSQL round trip)
 * on every request's path; a batch costs about the same as one row.
 *
 * A failed write keeps its rows for the next try (backing off up to 30 s) and is logged, never thrown. The
 * buffer is bounded: while the store is down, the oldest rows beyond `maxBuffered` are dropped and counted in
 * the log, so a dead store cannot grow memory without limit. Budgets are not affected by drops; they are kept
 * in memory.
 */
import type { Logger } from "../logger.js";
import type { UsageRecord } from "../store/usageLedger.js";
import { createCoalescedFlush } from "../createCoalescedFlush.js";
import { yieldToEventLoop } from "../store/yieldToEventLoop.js";

export interface LedgerWriterOptions {
  /** Writes records in one transaction (the store's usage.append). */
  append(records: readonly UsageRecord[]): Promise<void>;
  logger: Logger;
  flushIntervalMs?: number;
  flushSize?: number;
  maxBuffered?: number;
  /**
   * Rows per transaction; the event loop gets a turn between transactions. A store writing on this thread
   * (in-memory SQLite) blocks every request while it writes, and a SQLite file's ledger thread holds the write lock
   * a request's own write then waits for, so SQLite wants small ones: 200 rows held either for several milliseconds.
   */
  maxBatch?: number | undefined;
}

export interface LedgerWriter {
  write(record: UsageRecord): void;
  /** Writes what is buffered now; resolves (never rejects) once tried. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left, trying a few times; reports rows it could not write. */
  close(): Promise<void>;
  readonly buffered: number;
  /** Rows dropped since start (buffer full, or written after close). */
  readonly dropped: number;
}

const MAX_BACKOFF_MS = 30_000;
const CLOSE_ATTEMPTS = 3;

export function createLedgerWriter(options: LedgerWriterOptions): LedgerWriter {
  const { append, logger } = options;
  const flushSize = options.flushSize ?? 200;
  const maxBuffered = Math.max(flushSize, options.maxBuffered ?? 10_000);
  const maxBatch = options.maxBatch ?? 500;
  let buffer: UsageRecord[] = [];
  let dropped = 0;
  let unreported = 0;
  let failures = 0;
  let retryAt = 0;
  let closed = false;

  const trim = () => {
    const excess = buffer.length - maxBuffered;
    if (excess <= 0) return;
    buffer.splice(0, excess);
    dropped += excess;
    unreported += excess;
  };

  const reportDrops = () => {
    if (unreported === 0) return;
    logger.error({ droppedRows: unreported, droppedTotal: dropped }, "usage ledger buffer full: dropped the oldest rows");
    unreported = 0;
  };

  const writeBuffered = async (): Promise<void> => {
    reportDrops();
    while (buffer.length > 0) {
      const batch = buffer.splice(0, maxBatch);
      try {
        await append(batch);
      } catch (error) {
        buffer = batch.concat(buffer);
        trim();
        failures += 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
        retryAt = Date.now() + backoff;
        logger.error({ err: error, bufferedRows: buffer.length, retryInMs: backoff }, "usage ledger write failed; rows kept for the next try");
        reportDrops();
        return;
      }
      failures = 0;
      retryAt = 0;
      if (buffer.length > 0) await yieldToEventLoop();
    }
  };

  // Rows written while a flush runs are not in it: one more flush follows, shared by every caller meanwhile.
  const flush = createCoalescedFlush(writeBuffered);

  const backgroundFlush = () => {
    if (buffer.length === 0 || flush.running() || Date.now() < retryAt) return;
    void flush();
  };

  const timer = setInterval(backgroundFlush, options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    write(record) {
      if (closed) {
        dropped += 1;
        logger.error({ requestId: record.requestId, costUsd: record.costUsd }, "usage ledger is closed: a usage row was dropped");
        return;
      }
      buffer.push(record);
      trim();
      if (buffer.length >= flushSize) backgroundFlush();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (let attempt = 0; attempt < CLOSE_ATTEMPTS && (buffer.length > 0 || flush.running()); attempt++) await flush();
      if (buffer.length > 0) {
        dropped += buffer.length;
        logger.error({ lostRows: buffer.length }, "usage ledger could not be written at shutdown: rows lost");
        buffer = [];
      }
    },
    get buffered() {
      return buffer.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
