/**
 * backupSqlite against a store larger than one backup step, with another connection writing between every
 * step: SQLite restarts an online backup after each such write, so a copy that only ever stepped would never
 * finish. Also: an aborted backup rejects with the abort reason and leaves no partial file.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { backupSqlite } from "../../src/backup/backupSqlite.js";

let dir: string;
let storeFile: string;
const INITIAL_ROWS = 8_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-backup-steps-"));
  storeFile = join(dir, "store.db");
  const db = new BetterSqlite3(storeFile);
  db.pragma("journal_mode = WAL");
  db.exec("create table notes (id integer primary key, body blob not null)");
  const insert = db.prepare("insert into notes (body) values (randomblob(1000))");
  // About 8 MB: several backup steps of 1024 pages.
  db.transaction(() => {
    for (let i = 0; i < INITIAL_ROWS; i++) insert.run();
  })();
  db.close();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("finishes while another connection writes between every step, with a consistent copy", { timeout: 30_000 }, async () => {
  const writer = new BetterSqlite3(storeFile);
  const insert = writer.prepare("insert into notes (body) values (randomblob(1000))");
  let writes = 0;
  let writing = true;
  // setImmediate, like the backup's own steps: the two alternate, one write between every pair of steps.
  const write = () => {
    if (!writing) return;
    insert.run();
    writes += 1;
    setImmediate(write);
  };
  setImmediate(write);
  const destination = join(dir, "copy.db");
  try {
    const result = await backupSqlite(storeFile, destination);
    assert.equal(result.file, destination);
    assert.ok(result.bytes > INITIAL_ROWS * 1000);
  } finally {
    writing = false;
    writer.close();
  }
  assert.ok(writes > 1, `the writer ran during the backup (${writes} writes)`);
  const copy = new BetterSqlite3(destination, { readonly: true });
  try {
    assert.equal(copy.pragma("quick_check", { simple: true }), "ok");
    const rows = copy.prepare("select count(*) from notes").pluck().get() as number;
    assert.ok(rows >= INITIAL_ROWS && rows <= INITIAL_ROWS + writes, `${rows} rows: a snapshot between the first and the last write`);
  } finally {
    copy.close();
  }
});

test("an aborted backup rejects with the reason and leaves no partial file", async () => {
  const controller = new AbortController();
  const reason = new Error("stop now");
  const destination = join(dir, "aborted.db");
  const before = (await readdir(dir)).sort();
  const running = backupSqlite(storeFile, destination, { signal: controller.signal });
  setImmediate(() => controller.abort(reason));
  await assert.rejects(running, (error) => error === reason);
  assert.deepEqual((await readdir(dir)).sort(), before);
});
