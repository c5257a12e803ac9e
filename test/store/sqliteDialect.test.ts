/**
 * The SQLite dialect's connection settings, and its transactions taking the write lock at BEGIN: another
 * connection's write waits for the commit, and a transaction that reads, lets another connection try to commit,
 * then writes, still commits (a deferred BEGIN fails there with SQLITE_BUSY_SNAPSHOT).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { sqliteDialect } from "../../src/store/sqliteDialect.js";

interface Tables {
  t: { n: number };
}

test("sqlite dialect: WAL, NORMAL, foreign keys, a busy timeout, and transactions that lock at BEGIN", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-dialect-"));
  const filename = join(dir, "d.db");
  let opened: BetterSqlite3.Database | undefined;
  const db = new Kysely<Tables>({ dialect: sqliteDialect(filename, (database) => (opened = database)) });
  const other = new BetterSqlite3(filename);
  try {
    await sql`create table t (n integer)`.execute(db);
    assert.deepEqual(
      ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"].map((name) => opened?.pragma(name, { simple: true })),
      ["wal", 1, 1, 5000],
    );
    other.pragma("busy_timeout = 0");
    const trx = await db.startTransaction().execute();
    try {
      const before = await trx.selectFrom("t").selectAll().execute();
      assert.throws(() => other.prepare("insert into t (n) values (1)").run(), { code: "SQLITE_BUSY" }, "the write lock is held from BEGIN");
      await trx.insertInto("t").values({ n: before.length + 10 }).execute();
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute();
      throw error;
    }
    other.prepare("insert into t (n) values (2)").run();
    assert.deepEqual(await db.selectFrom("t").select("n").orderBy("n").execute(), [{ n: 2 }, { n: 10 }]);
  } finally {
    other.close();
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});
