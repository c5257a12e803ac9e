/**
 * The body log (requestLog.bodies): the pipeline hands each request's prompt and answer over by reference, and
 * they are serialized, scrubbed, cut and written later, in batches on a timer (like the usage ledger's writer),
 * so logging adds neither latency nor a failure to a request. Unlike the ledger, bodies are a debugging aid: a
 * batch the store refuses is dropped with a warning, not retried, and beyond `maxBuffered` waiting exchanges new
 * ones are dropped (and counted) until the store catches up.
 */
import type { Logger } from "../logger.js";
import type { RequestBodyRecord } from "../store/requestBodies.js";
import { createCoalescedFlush } from "../createCoalescedFlush.js";
import { yieldToEventLoop } from "../store/yieldToEventLoop.js";
import type { Scrubber } from "./createScrubber.js";
import { toRequestBodyRecord, type LoggedExchange } from "./toRequestBodyRecord.js";

export interface RequestBodyLogOptions {
  /** Writes records in one transaction (the store's requestBodies.append). */
  append(records: readonly RequestBodyRecord[]): Promise<void>;
  scrub: Scrubber;
  maxChars: number;
  logger: Logger;
  flushIntervalMs?: number;
  /** Waiting exchanges that start a flush at once. */
  flushSize?: number;
  maxBuffered?: number;
  /** Records per transaction; SQLite writes on the event loop's thread, so it wants small ones. */
  maxBatch?: number | undefined;
}

export interface RequestBodyLog {
  /** Takes the exchange as it is (no copy, no serialization here); never throws. */
  record(exchange: LoggedExchange): void;
  /** Writes what is waiting now; resolves (never rejects) once tried. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  /** Exchanges dropped since start (buffer full, store failure, after close). */
  readonly dropped: number;
}

export function createRequestBodyLog(options: RequestBodyLogOptions): RequestBodyLog {
  const { logger, scrub, maxChars } = options;
  const flushSize = options.flushSize ?? 50;
  const maxBuffered = Math.max(flushSize, options.maxBuffered ?? 1000);
  const maxBatch = options.maxBatch ?? 100;
  let buffer: LoggedExchange[] = [];
  let dropped = 0;
  /** Dropped for a full buffer since the last warning: one line per flush, not one per request. */
  let unreported = 0;
  let closed = false;

  const writeBuffered = async (): Promise<void> => {
    const taken = buffer;
    buffer = [];
    for (let start = 0; start < taken.length; start += maxBatch) {
      const records: RequestBodyRecord[] = [];
      for (const exchange of taken.slice(start, start + maxBatch)) {
        try {
          records.push(toRequestBodyRecord(exchange, scrub, maxChars));
        } catch (error) {
          dropped += 1;
          logger.warn({ err: error, requestId: exchange.requestId }, "request body log: a request could not be serialized; dropped");
        }
      }
      try {
        await options.append(records);
      } catch (error) {
        // The store is failing: what is left of this flush would most likely fail too, one statement at a time.
        const lost = taken.length - start;
        dropped += lost;
        logger.warn({ err: error, droppedBodies: lost }, "request body log: writing failed; the bodies were dropped");
        break;
      }
      if (start + maxBatch < taken.length) await yieldToEventLoop();
    }
    if (unreported > 0) {
      logger.warn({ droppedBodies: unreported, droppedTotal: dropped }, "request body log: buffer full; bodies were dropped");
      unreported = 0;
    }
  };

  // Exchanges recorded while a flush runs are not in it: one more flush follows, shared by every caller meanwhile.
  const flush = createCoalescedFlush(writeBuffered);

  const backgroundFlush = () => {
    if (buffer.length > 0 && !flush.running()) void flush();
  };
  const timer = setInterval(backgroundFlush, options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    record(exchange) {
      if (closed || buffer.length >= maxBuffered) {
        dropped += 1;
        unreported += 1;
        return;
      }
      buffer.push(exchange);
      if (buffer.length >= flushSize) backgroundFlush();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flush();
    },
    get dropped() {
      return dropped;
    },
  };
}
