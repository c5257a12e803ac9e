/**
 * Retention of logged request bodies on both dialects: rows older than requestBodiesDays go in batches, newer
 * ones stay; a dry run only counts; 0 (and callers that pass no requestBodiesDays) keep them; archive mode writes
 * exactly the deleted rows. The scheduled job is on only while bodies are logged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RetentionConfig } from "../../src/config/retentionSchema.js";
import { configSchema } from "../../src/config/schema.js";
import { retentionEnabled } from "../../src/jobs/maintenanceJobs.js";
import { purgeExpired } from "../../src/retention/purgeExpired.js";
import type { RequestBodyRecord } from "../../src/store/requestBodies.js";
import { DAY_MS } from "../../src/store/utcDay.js";
import { eachDialect } from "../store/eachDialect.js";
import { retentionFixture, type RetentionFixture } from "./retentionFixture.js";
import { archivedRows } from "./archiveLines.js";

const NOW = Date.UTC(2025, 2, 1);
const base: RetentionConfig = { sessionsDays: 0, ledgerDays: 0, requestBodiesDays: 7, mode: "purge", batchSize: 2, everyMinutes: 60 };

/** Five bodies 8 to 12 days old and two 1 and 6 days old. */
async function bodiesScenario(f: RetentionFixture): Promise<{ old: string[]; recent: string[] }> {
  const at = (daysAgo: number): RequestBodyRecord => ({
    id: randomUUID(),
    requestId: randomUUID(),
    createdAt: NOW - daysAgo * DAY_MS,
    request: '{"model":"auto","messages":[]}',
    answer: `${daysAgo} days ago`,
    toolCalls: null,
    truncated: false,
  });
  const old = [8, 9, 10, 11, 12].map(at);
  const recent = [1, 6].map(at);
  await f.store.requestBodies.append([...old, ...recent]);
  return { old: old.map((row) => row.id).sort(), recent: recent.map((row) => row.id).sort() };
}

const bodyIds = async (f: RetentionFixture) => (await f.raw.selectFrom("request_bodies").select("id").orderBy("id").execute()).map((row) => row.id);

eachDialect("request body retention", (context) => {
  test("bodies older than requestBodiesDays go, in batches; a dry run counts; 0 or none given keeps them", async () => {
    const f = await retentionFixture(context);
    try {
      const { recent } = await bodiesScenario(f);
      assert.equal((await purgeExpired(f.store, { ...base, requestBodiesDays: 0 }, { now: NOW })).deleted.requestBodies, 0);
      const { requestBodiesDays: _omitted, ...older } = base;
      assert.equal((await purgeExpired(f.store, older, { now: NOW })).deleted.requestBodies, 0, "a caller that passes no requestBodiesDays keeps bodies");
      assert.equal((await bodyIds(f)).length, 7);

      const dry = await purgeExpired(f.store, base, { now: NOW, dryRun: true });
      assert.deepEqual(dry.deleted, { sessions: 0, messages: 0, usageLedger: 0, requestBodies: 5 });
      assert.equal((await bodyIds(f)).length, 7, "a dry run deletes nothing");

      const run = await purgeExpired(f.store, base, { now: NOW });
      assert.deepEqual(run.deleted, { sessions: 0, messages: 0, usageLedger: 0, requestBodies: 5 });
      assert.deepEqual(await bodyIds(f), recent);
      assert.equal((await purgeExpired(f.store, base, { now: NOW })).deleted.requestBodies, 0, "a second run finds nothing");
    } finally {
      await f.close();
    }
  });

  test("archive mode: the request_bodies file holds exactly the deleted rows", async () => {
    const f = await retentionFixture(context);
    const dir = await mkdtemp(join(tmpdir(), "sy-archive-bodies-"));
    try {
      const { old } = await bodiesScenario(f);
      const result = await purgeExpired(f.store, { ...base, mode: "archive", archiveDir: dir, batchSize: 3 }, { now: NOW });
      assert.equal(result.deleted.requestBodies, 5);
      assert.equal(result.archives.length, 1);
      const archived = await archivedRows(dir, "request_bodies");
      assert.deepEqual(archived.map((row) => row.id).sort(), old);
      assert.ok(archived.every((row) => typeof row.answer === "string" && row.request_id !== undefined), "rows as stored, column names as in the database");
    } finally {
      await f.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test("the retention job is scheduled for bodies only while they are logged", () => {
  assert.equal(retentionEnabled(configSchema.parse({})), false, "bodies off (the default): nothing to age");
  assert.equal(retentionEnabled(configSchema.parse({ requestLog: { bodies: true } })), true, "bodies on: 7 days by default");
  assert.equal(retentionEnabled(configSchema.parse({ requestLog: { bodies: true }, retention: { requestBodiesDays: 0 } })), false);
});
