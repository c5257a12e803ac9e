/**
 * `switchyard retention run` as a real process on a configured SQLite store: a dry run counts and changes
 * nothing; a run rolls up the old ledger days first, then archives and deletes what expired.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { openStore } from "../../src/store/openStore.js";
import { usageRecord } from "../metering/usageRecord.js";
import { runCli } from "../backup/runCli.js";
import { archivedRows } from "../retention/archiveLines.js";

const OLD = Date.UTC(2020, 5, 1);
let dir: string;
let url: string;
let recentSession: string;

const configFile = async (name: string, retention: Record<string, unknown>) => {
  const path = join(dir, name);
  await writeFile(path, stringify({ store: { url }, retention, log: { level: "silent" } }));
  return path;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-retention-"));
  url = `sqlite:${join(dir, "switchyard.db")}`;
  let at = OLD;
  const store = await openStore(url, { now: () => at });
  for (const user of ["a", "b"]) {
    const session = await store.sessions.create({ userId: user });
    await store.messages.append(session.id, [{ role: "user", content: "hi", status: "complete" }]);
  }
  at = Date.now();
  recentSession = (await store.sessions.create({ userId: "c" })).id;
  await store.usage.append([usageRecord("a", { createdAt: OLD }), usageRecord("b", { createdAt: OLD + 86_400_000 }), usageRecord("c", { createdAt: Date.now() })]);
  await store.close();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a dry run counts what would go and changes nothing; a run rolls up, archives and deletes it", async () => {
  const archiveDir = join(dir, "archive");
  const config = await configFile("archive.yaml", { sessionsDays: 30, ledgerDays: 30, mode: "archive", archiveDir, batchSize: 1 });

  const dry = await runCli(["retention", "run", "--config", config, "--dry-run"], { cwd: dir });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /retention \(dry run\): would delete sessions=2 messages=2 usage_ledger=0/);
  assert.match(dry.stdout, /ledger days kept \(not rolled up yet, or changed since\): 2020-06-01, 2020-06-02/);

  const run = await runCli(["retention", "run", "-c", config], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /usage roll-up: \d+ day\(s\) recomputed/);
  assert.match(run.stdout, /retention: deleted sessions=2 messages=2 usage_ledger=2/);
  assert.equal(run.stdout.match(/^archived: .*\.jsonl\.gz$/gm)?.length, 3);
  assert.deepEqual((await archivedRows(archiveDir, "usage_ledger")).map((row) => row.user_id).sort(), ["a", "b"]);

  const store = await openStore(url);
  try {
    assert.ok(await store.sessions.get(recentSession, "c"));
    const old = await store.rollups.daily({ from: "2020-06-01", to: "2020-06-03", groupBy: "user" }, { limit: 10 });
    assert.deepEqual(old.items.map((item) => [item.day, item.group, item.requests]), [["2020-06-01", "a", 1], ["2020-06-02", "b", 1]], "the totals outlive the rows");
    assert.equal((await store.usage.totals({})).requests, 1);
  } finally {
    await store.close();
  }
});

test("bad usage exits 2; a configuration error names the field and exits 1", async () => {
  assert.equal((await runCli(["retention"], { cwd: dir })).code, 2);
  assert.equal((await runCli(["retention", "sweep"], { cwd: dir })).code, 2);
  const help = await runCli(["retention", "--help"], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /switchyard retention run --config FILE \[--dry-run\]/);
  const bad = await runCli(["retention", "run", "--config", await configFile("bad.yaml", { sessionsDays: 30, mode: "archive" })], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /retention\.archiveDir: mode archive needs an archiveDir/);
  const short = await runCli(["retention", "run", "--config", await configFile("short.yaml", { ledgerDays: 1 })], { cwd: dir });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /retention\.ledgerDays: must exceed usage\.rollupLookbackDays \(2\)/);
});
