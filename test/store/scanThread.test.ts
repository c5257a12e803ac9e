/**
 * The SQLite vector scan thread: reads the store's file on a connection of its own (what the main connection
 * committed is visible), with sqlite-vec loaded, reports a bad statement as an error and carries on, gets its
 * blob parameters as blobs, and refuses work once closed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { createScanThread } from "../../src/store/createScanThread.js";

test("scans on its own connection: committed rows, sqlite-vec functions, blob parameters; errors and close", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-scan-"));
  const filename = join(dir, "scan.db");
  const writer = new BetterSqlite3(filename);
  writer.pragma("journal_mode = WAL");
  writer.exec("create table v (id integer primary key, embedding blob)");
  const insert = writer.prepare("insert into v (id, embedding) values (?, ?)");
  insert.run(1, Buffer.from(new Float32Array([1, 0]).buffer));
  const scan = createScanThread(filename);
  try {
    const query = "select id, 1 - vec_distance_cosine(embedding, ?) as similarity from v order by similarity desc";
    const probe = Buffer.from(new Float32Array([1, 0]).buffer);
    assert.deepEqual(await scan.all(query, [probe]), [{ id: 1, similarity: 1 }]);
    insert.run(2, Buffer.from(new Float32Array([0, 1]).buffer));
    assert.deepEqual(await scan.all(query, [probe]), [{ id: 1, similarity: 1 }, { id: 2, similarity: 0 }], "a row committed since is seen");

    await assert.rejects(scan.all("select * from nowhere", []), /no such table/);
    assert.deepEqual(await scan.all("select count(*) as n from v", []), [{ n: 2 }], "still serving after an error");
    await assert.rejects(scan.all("delete from v returning id", []), /readonly|query_only/i, "it only reads");
  } finally {
    await scan.close();
    writer.close();
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(scan.all("select 1", []), /closed/);
});
