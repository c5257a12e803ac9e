/**
 * Retention: removes sessions (with their messages and feedback) idle for longer than `sessionsDays`, and usage
 * ledger rows older than `ledgerDays` — only of whole UTC days that are rolled up and unchanged since, so the
 * daily totals survive — and logged request bodies older than `requestBodiesDays`. Works in batches of `batchSize` rows; in archive mode every batch is written to the run's
 * archive file (and synced) before it is deleted. One run at a time across replicas: a second finds the lock
 * held and does nothing.
 */
import { randomBytes } from "node:crypto";
import type { Store } from "../store/openStore.js";
import type { RetentionConfig } from "../config/retentionSchema.js";
import type { Keep, SessionKey } from "../store/retentionStore.js";
import { DAY_MS, dayOf, dayStart, nextDay } from "../store/utcDay.js";
import { createArchiveWriter, type ArchiveWriter } from "./createArchiveWriter.js";
import { yieldToEventLoop } from "../store/yieldToEventLoop.js";

export interface PurgeOptions {
  /** Epoch ms the ages are measured from. */
  now: number;
  signal?: AbortSignal | undefined;
  /** Count what would go, change nothing. */
  dryRun?: boolean | undefined;
}

export interface PurgeCounts {
  sessions: number;
  messages: number;
  usageLedger: number;
  requestBodies: number;
}

export interface PurgeResult {
  /** false when another run (another replica) held the lock: nothing was done. */
  ran: boolean;
  dryRun: boolean;
  /** The signal fired: the run stopped between batches, and the counts say what was done up to then. */
  interrupted: boolean;
  /** Rows deleted (dry run: that would be), per table. */
  deleted: PurgeCounts;
  /** Expired ledger days left in place: not rolled up yet, or ledger rows arrived since their roll-up. */
  ledgerDaysKept: string[];
  /** Archive files written by this run. */
  archives: string[];
}

export const RETENTION_LOCK = "retention";

export async function purgeExpired(
  store: Store,
  // requestBodiesDays absent: bodies are kept (callers that predate body logging pass none).
  retention: Pick<RetentionConfig, "sessionsDays" | "ledgerDays" | "mode" | "archiveDir" | "batchSize"> & Partial<Pick<RetentionConfig, "requestBodiesDays">>,
  options: PurgeOptions,
): Promise<PurgeResult> {
  const dryRun = options.dryRun === true;
  const run = await store.retention.exclusive(RETENTION_LOCK, async () => {
    const result: PurgeResult = { ran: true, dryRun, interrupted: false, deleted: noneDeleted(), ledgerDaysKept: [], archives: [] };
    const archiving = retention.mode === "archive" && !dryRun;
    if (archiving && retention.archiveDir === undefined) throw new Error("retention mode archive needs retention.archiveDir");
    const runName = `${new Date(options.now).toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`;
    const archive = (table: string) => (archiving && retention.archiveDir !== undefined ? createArchiveWriter(retention.archiveDir, `${table}-${runName}`) : undefined);
    const files = { sessions: archive("sessions"), messages: archive("messages"), usageLedger: archive("usage_ledger"), requestBodies: archive("request_bodies") };
    const stopped = () => {
      if (options.signal?.aborted === true) result.interrupted = true;
      return result.interrupted;
    };
    try {
      if (retention.sessionsDays > 0) {
        const before = options.now - retention.sessionsDays * DAY_MS;
        if (dryRun) {
          const counts = await store.retention.countExpiredSessions(before);
          result.deleted.sessions = counts.sessions;
          result.deleted.messages = counts.messages;
        } else {
          await purgeSessions(store, before, retention.batchSize, files, result.deleted, stopped);
        }
      }
      if (retention.ledgerDays > 0 && !stopped()) {
        // Whole days only: a day's rows go together, once every one of them is past the retention age.
        const before = dayStart(dayOf(options.now - retention.ledgerDays * DAY_MS));
        let from = 0;
        for (let day = await store.retention.nextLedgerDay(from, before); day !== undefined && !stopped(); day = await store.retention.nextLedgerDay(from, before)) {
          from = dayStart(nextDay(day));
          await yieldToEventLoop();
          if (dryRun) {
            const state = await store.rollups.purgeState(day);
            if (state.ready) result.deleted.usageLedger += state.rows;
            else result.ledgerDaysKept.push(day);
            continue;
          }
          if (!(await store.rollups.seal(day, options.now))) {
            result.ledgerDaysKept.push(day);
            continue;
          }
          const keep = keeper(files.usageLedger);
          for (let taken = -1; taken !== 0 && !stopped(); ) {
            taken = await guarded(files.usageLedger, () => store.retention.takeLedgerRows(day, retention.batchSize, keep));
            result.deleted.usageLedger += taken;
          }
        }
      }
      const bodiesDays = retention.requestBodiesDays ?? 0;
      if (bodiesDays > 0 && !stopped()) {
        const before = options.now - bodiesDays * DAY_MS;
        if (dryRun) {
          result.deleted.requestBodies = await store.requestBodies.countExpired(before);
        } else {
          const keep = keeper(files.requestBodies);
          for (let taken = -1; taken !== 0 && !stopped(); ) {
            taken = await guarded(files.requestBodies, () => store.requestBodies.takeExpired(before, retention.batchSize, keep));
            result.deleted.requestBodies += taken;
          }
        }
      }
    } finally {
      for (const file of Object.values(files)) {
        const path = await file?.finish();
        if (path !== undefined) result.archives.push(path);
      }
    }
    return result;
  });
  if (run.acquired) return run.value;
  return { ran: false, dryRun, interrupted: false, deleted: noneDeleted(), ledgerDaysKept: [], archives: [] };
}

function noneDeleted(): PurgeCounts {
  return { sessions: 0, messages: 0, usageLedger: 0, requestBodies: 0 };
}

async function purgeSessions(
  store: Store,
  before: number,
  batchSize: number,
  files: { sessions: ArchiveWriter | undefined; messages: ArchiveWriter | undefined },
  deleted: PurgeCounts,
  stopped: () => boolean,
): Promise<void> {
  const keepMessages = keeper(files.messages);
  const keepSessions = keeper(files.sessions);
  let after: SessionKey | undefined;
  while (!stopped()) {
    await yieldToEventLoop();
    const batch = await store.retention.expiredSessions(before, batchSize, after);
    if (batch.length === 0) return;
    after = batch.at(-1);
    const ids = batch.map((session) => session.id);
    // Messages first, a batch at a time: deleting the sessions alone would cascade through all their messages in
    // one statement.
    for (let taken = -1; taken !== 0; ) {
      if (stopped()) return;
      taken = await guarded(files.messages, () => store.retention.takeMessages(ids, before, batchSize, keepMessages));
      deleted.messages += taken;
    }
    deleted.sessions += await guarded(files.sessions, () => store.retention.takeSessions(ids, before, keepSessions));
  }
}

function keeper<Row extends object>(file: ArchiveWriter | undefined): Keep<Row> | undefined {
  return file === undefined ? undefined : (rows) => file.write(rows);
}

/** A batch whose deletion failed after it was archived is cut from the archive again: archived means deleted. */
async function guarded(file: ArchiveWriter | undefined, take: () => Promise<number>): Promise<number> {
  await yieldToEventLoop();
  const mark = file?.size ?? 0;
  try {
    return await take();
  } catch (error) {
    await file?.undo(mark);
    throw error;
  }
}
