/**
 * The restore drill, on SQLite and on the PostgreSQL server here: fill a store through a real gateway, stop it,
 * `switchyard backup` as a child process, lose the data, `switchyard restore --yes`, and compare every row of
 * every table with what was there before. Also the ways a restore must refuse (no --yes, a file that is not a
 * backup, a backup from a newer version, a SQLite store still open) without touching the store, and backups
 * that cannot be written.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, type Dialect } from "kysely";
import pg from "pg";
import { stringify } from "yaml";
import { migrations } from "../../src/store/migrations/index.js";
import { openStore } from "../../src/store/openStore.js";
import { sqliteDialect } from "../../src/store/sqliteDialect.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startMockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import { fillThroughGateway } from "./fillThroughGateway.js";
import { readPostgresTables, readSqliteTables, type TableRows } from "./readAllTables.js";
import { recreatePostgresDatabase } from "./recreatePostgresDatabase.js";
import { runCli } from "./runCli.js";

const migrationNames = Object.keys(migrations).sort();
const latest = migrationNames.at(-1) ?? "";

/** A store whose schema stops at `names`: what an older Switchyard left behind. */
async function migrateOnly(dialect: Dialect, names: readonly string[]): Promise<void> {
  const db = new Kysely<unknown>({ dialect });
  try {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => Object.fromEntries(names.map((name) => [name, migrations[name] ?? { up: async () => undefined }])) },
    });
    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
  } finally {
    await db.destroy();
  }
}

async function writeConfig(dir: string, name: string, storeUrl: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify({ store: { url: storeUrl } }));
  return path;
}

const sha256 = async (file: string) => createHash("sha256").update(await readFile(file)).digest("hex");

/** The gateway's work is all there, so an equal comparison later means something. */
function assertFilled(rows: TableRows): void {
  assert.equal(rows.sessions?.length, 3, "three sessions");
  assert.ok((rows.messages?.length ?? 0) >= 18, `both sides of nine turns (${rows.messages?.length})`);
  assert.equal(rows.api_keys?.length, 4, "four API keys");
  assert.equal(rows.api_keys?.filter((key) => (key as { revoked_at: unknown }).revoked_at !== null).length, 1, "one of them revoked");
  assert.ok((rows.usage_ledger?.length ?? 0) >= 12, `a ledger row per turn and per request (${rows.usage_ledger?.length})`);
  assert.equal(rows.webhook_deliveries?.length, 5, "five webhook deliveries");
  assert.deepEqual(
    rows.kysely_migration?.map((row) => (row as { name: string }).name),
    migrationNames,
    "every migration applied",
  );
}

describe("backup and restore of a SQLite store", () => {
  let dir: string;
  let storeFile: string;
  let configPath: string;
  let backupFile: string;
  let before_: TableRows;
  const cli = (...args: string[]) => runCli(args, { cwd: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "switchyard-backup-sqlite-"));
    storeFile = join(dir, "data", "switchyard.db");
    // Relative, as in a real config file: the CLI resolves it against its working directory, like the server.
    configPath = await writeConfig(dir, "switchyard.yaml", "sqlite:./data/switchyard.db");
    backupFile = join(dir, "backups", "switchyard.backup");
    await mkdir(join(dir, "backups"));
    await fillThroughGateway(`sqlite:${storeFile}`);
    before_ = readSqliteTables(storeFile);
    assertFilled(before_);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("backup, lose the file, restore: every row of every table comes back identical", async () => {
    const backup = await cli("backup", backupFile, "--config", configPath);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backed up the sqlite store to .*switchyard\.backup \(\d+ bytes\)\n$/);
    assert.deepEqual(readSqliteTables(backupFile), before_, "the backup itself holds the data");
    assert.deepEqual((await readdir(join(dir, "backups"))).sort(), ["switchyard.backup"], "one self-contained file, no -wal or temp files");

    for (const suffix of ["", "-wal", "-shm"]) await rm(`${storeFile}${suffix}`, { force: true });
    assert.equal(existsSync(storeFile), false);

    const restore = await cli("restore", backupFile, "--config", configPath, "--yes");
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /^restored the sqlite store from .*switchyard\.backup\n$/);
    assert.deepEqual(readSqliteTables(storeFile), before_);
  });

  test("a restore over a store that changed since the backup brings back exactly the backup's rows", async () => {
    const db = new BetterSqlite3(storeFile);
    db.prepare("update messages set content = 'edited after the backup' where seq = 1").run();
    db.prepare("delete from api_keys where name = 'bob ci'").run();
    db.prepare("insert into sessions (id, user_id, created_at, updated_at) values ('after-backup', 'mallory', 1, 1)").run();
    db.close();
    assert.notDeepEqual(readSqliteTables(storeFile), before_);

    const restore = await cli("restore", backupFile, "--config", configPath, "--yes");
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(readSqliteTables(storeFile), before_);
  });

  test("restore without --yes exits non-zero, says why, and changes nothing", async () => {
    const hash = await sha256(storeFile);
    const files = await readdir(join(dir, "data"));
    const refused = await cli("restore", backupFile, "--config", configPath);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    assert.match(refused.stderr, /Nothing was changed/);
    assert.equal(await sha256(storeFile), hash);
    assert.deepEqual(await readdir(join(dir, "data")), files);
  });

  test("a file that is not a usable backup is refused with a clear message, and the store stays as it was", async () => {
    const notABackup = join(dir, "notes.txt");
    await writeFile(notABackup, "these are not the rows you are looking for\n");
    const otherDatabase = join(dir, "other.db");
    const other = new BetterSqlite3(otherDatabase);
    other.exec("create table things (id integer primary key, name text); insert into things (name) values ('x')");
    other.close();
    const fromTheFuture = join(dir, "future.backup");
    await writeFile(fromTheFuture, await readFile(backupFile));
    const future = new BetterSqlite3(fromTheFuture);
    future.prepare("insert into kysely_migration (name, timestamp) values ('999_from_the_future', '2100-01-01T00:00:00.000Z')").run();
    future.close();
    const truncated = join(dir, "truncated.backup");
    const whole = await readFile(backupFile);
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));

    const hash = await sha256(storeFile);
    const files = (await readdir(join(dir, "data"))).sort();
    const cases: Array<[file: string, message: RegExp]> = [
      [notABackup, /notes\.txt is not a backup: neither a SQLite database nor a pg_dump custom-format archive/],
      [otherDatabase, /other\.db is a SQLite database but not a Switchyard backup \(it has no kysely_migration table\)/],
      [fromTheFuture, /future\.backup comes from a newer Switchyard \(migrations unknown to this version: 999_from_the_future\)/],
      [truncated, /truncated\.backup (is damaged|is not a usable SQLite database)/],
      [join(dir, "missing.backup"), /cannot read the backup .*missing\.backup/],
    ];
    for (const [file, message] of cases) {
      const refused = await cli("restore", file, "--config", configPath, "--yes");
      assert.equal(refused.code, 1, `${file}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
      assert.match(refused.stderr, /^switchyard restore: /, "a message, not a stack trace");
      assert.doesNotMatch(refused.stderr, /\n\s+at /);
      assert.equal(await sha256(storeFile), hash, `${file}: the store file is untouched`);
      assert.deepEqual((await readdir(join(dir, "data"))).sort(), files, `${file}: no temporary files left beside the store`);
    }
    assert.deepEqual(readSqliteTables(storeFile), before_);
  });

  test("restore refuses while another process has the store open", async () => {
    const store = await openStore(`sqlite:${storeFile}`);
    try {
      const refused = await cli("restore", backupFile, "--config", configPath, "--yes");
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /is open in another process: stop the server before restoring/);
    } finally {
      await store.close();
    }
    assert.deepEqual(readSqliteTables(storeFile), before_);
    assert.deepEqual((await readdir(join(dir, "data"))).filter((name) => name.endsWith(".tmp")), []);
  });

  test("a backup that cannot be written fails with the path in the message and leaves nothing behind", async () => {
    const underAFile = join(configPath, "switchyard.backup");
    const underNothing = join(dir, "no-such-directory", "switchyard.backup");
    for (const [file, message] of [
      [underAFile, /cannot write the backup .*switchyard\.yaml\/switchyard\.backup: .*switchyard\.yaml is not a directory/],
      [underNothing, /cannot write the backup .*no-such-directory\/switchyard\.backup: .*no-such-directory does not exist/],
    ] as const) {
      const failed = await cli("backup", file, "--config", configPath);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, message);
      assert.equal(existsSync(file), false);
    }
  });

  test("backups taken while the gateway keeps writing are consistent stores", async () => {
    const liveStore = join(dir, "live", "switchyard.db");
    const liveConfig = await writeConfig(dir, "live.yaml", "sqlite:./live/switchyard.db");
    const mock = await startMockUpstream();
    const gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)], store: { url: `sqlite:${liveStore}` }, rateLimits: { enabled: false } });
    let writing = true;
    let turns = 0;
    // Session turns, one after another, for as long as the backups run: each appends messages in a transaction.
    const load = (async () => {
      let sessionId: string | undefined;
      while (writing) {
        const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: `turn ${turns}`, ...(sessionId ? { sessionId } : {}) });
        const events = await readSse(response);
        const meta = JSON.parse(events.find((event) => event.event === "meta")?.data ?? "{}") as { sessionId?: string };
        sessionId = turns % 4 === 3 ? undefined : meta.sessionId;
        turns += 1;
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const file = join(dir, "backups", `live-${i}.backup`);
        const backup = await cli("backup", file, "--config", liveConfig);
        assert.equal(backup.code, 0, backup.stderr);
        const copy = new BetterSqlite3(file, { readonly: true });
        try {
          assert.equal(copy.pragma("quick_check", { simple: true }), "ok");
          assert.equal(copy.pragma("journal_mode", { simple: true }), "delete", "a single file, not a WAL database");
        } finally {
          copy.close();
        }
        const rows = readSqliteTables(file);
        assert.deepEqual(rows.kysely_migration?.map((row) => (row as { name: string }).name), migrationNames);
        // A torn copy would show a session whose message_count disagrees with its messages.
        for (const session of rows.sessions as Array<{ id: string; message_count: number }>) {
          const messages = (rows.messages as Array<{ session_id: string }>).filter((message) => message.session_id === session.id);
          assert.equal(messages.length, session.message_count, `session ${session.id} in backup ${i}`);
        }
      }
    } finally {
      writing = false;
      await load;
      await gateway.stop();
      await mock.close();
    }
    assert.ok(turns > 0, "the gateway was writing during the backups");
  });

  test("an older backup is restored and migrated to the current schema", async () => {
    const oldDir = join(dir, "old");
    const oldStore = join(oldDir, "old.db");
    const older = migrationNames.slice(0, 3);
    await migrateOnly(sqliteDialect(oldStore), older);
    const raw = new BetterSqlite3(oldStore);
    raw.prepare("insert into sessions (id, user_id, title, created_at, updated_at) values ('old-session', 'alice', 'from long ago', 1, 2)").run();
    raw.close();

    const oldConfig = await writeConfig(dir, "old.yaml", "sqlite:./old/old.db");
    const oldBackup = join(dir, "backups", "old.backup");
    const backup = await cli("backup", oldBackup, "--config", oldConfig);
    assert.equal(backup.code, 0, backup.stderr);

    const targetConfig = await writeConfig(dir, "upgraded.yaml", "sqlite:./upgraded/switchyard.db");
    const restore = await cli("restore", oldBackup, "--config", targetConfig, "--yes");
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, new RegExp(`migrated from ${older.at(-1) ?? ""} to ${latest}`));
    const upgraded = readSqliteTables(join(dir, "upgraded", "switchyard.db"));
    assert.deepEqual(upgraded.kysely_migration?.map((row) => (row as { name: string }).name), migrationNames);
    assert.deepEqual(upgraded.sessions?.map((row) => (row as { id: string }).id), ["old-session"]);
    assert.deepEqual(upgraded.usage_ledger, [], "tables of later migrations exist");
  });
});

describe("backup and restore of a PostgreSQL store", () => {
  let dir: string;
  let source: TestPostgresDatabase;
  const others: TestPostgresDatabase[] = [];
  let configPath: string;
  let backupFile: string;
  let before_: TableRows;
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { cwd: dir, ...(env ? { env } : {}) });
  const newDatabase = async () => {
    const created = await createTestPostgresDatabase();
    others.push(created);
    return created;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "switchyard-backup-pg-"));
    source = await createTestPostgresDatabase();
    configPath = await writeConfig(dir, "switchyard.yaml", source.url);
    backupFile = join(dir, "switchyard.dump");
    await fillThroughGateway(source.url);
    before_ = await readPostgresTables(source.url);
    assertFilled(before_);
  });
  after(async () => {
    await source?.drop();
    for (const database of others) await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("backup, then restore into a new empty database: every row of every table identical", async () => {
    const backup = await cli(["backup", backupFile, "--config", configPath]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backed up the postgres store to .*switchyard\.dump \(\d+ bytes\)\n$/);
    assert.equal((await readFile(backupFile)).subarray(0, 5).toString("latin1"), "PGDMP", "a pg_dump custom-format archive");
    assert.deepEqual((await readdir(dir)).sort(), ["switchyard.dump", "switchyard.yaml"], "no temporary files left");

    const target = await newDatabase();
    const targetConfig = await writeConfig(dir, "target.yaml", target.url);
    const restore = await cli(["restore", backupFile, "--config", targetConfig, "--yes"]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /^restored the postgres store from .*switchyard\.dump\n$/);
    assert.deepEqual(await readPostgresTables(target.url), before_);
  });

  test("a restore over the same database after it changed brings back exactly the backup's rows", async () => {
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    try {
      await client.query("update messages set content = 'edited after the backup' where seq = 1");
      await client.query("delete from api_keys where name = 'bob ci'");
      await client.query("insert into sessions (id, user_id, created_at, updated_at) values ('after-backup', 'mallory', 1, 1)");
      await client.query("create table not_in_the_backup (id int)");
    } finally {
      await client.end();
    }
    assert.notDeepEqual(await readPostgresTables(source.url), before_);

    const restore = await cli(["restore", backupFile, "--config", configPath, "--yes"]);
    assert.equal(restore.code, 0, restore.stderr);
    const restored = await readPostgresTables(source.url);
    // --clean drops what the archive holds; a table the archive does not know is left alone.
    assert.deepEqual(restored.not_in_the_backup, []);
    delete restored.not_in_the_backup;
    assert.deepEqual(restored, before_);
  });

  test("drop and recreate the database, restore: every row identical", async () => {
    await recreatePostgresDatabase(source.url);
    assert.deepEqual(await readPostgresTables(source.url), {}, "the database is empty");
    const restore = await cli(["restore", backupFile, "--config", configPath, "--yes"]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(await readPostgresTables(source.url), before_);
  });

  test("an older backup is refused over a newer schema, and restored and migrated into an empty database", async () => {
    const old = await newDatabase();
    const older = migrationNames.slice(0, 3);
    await migrateOnly(new PostgresDialect({ pool: new pg.Pool({ connectionString: old.url, max: 1 }) }), older);
    const client = new pg.Client({ connectionString: old.url });
    await client.connect();
    await client.query("insert into sessions (id, user_id, title, created_at, updated_at) values ('old-session', 'alice', 'from long ago', 1, 2)");
    await client.end();
    const oldBackup = join(dir, "old.dump");
    const backup = await cli(["backup", oldBackup, "--config", await writeConfig(dir, "old.yaml", old.url)]);
    assert.equal(backup.code, 0, backup.stderr);

    const refused = await cli(["restore", oldBackup, "--config", configPath, "--yes"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`the database has migrations the backup lacks \\(${migrationNames.slice(3).join(", ")}\\): restore this older backup into an empty database`));
    assert.deepEqual(await readPostgresTables(source.url), before_, "nothing was changed");

    const target = await newDatabase();
    const restore = await cli(["restore", oldBackup, "--config", await writeConfig(dir, "upgraded.yaml", target.url), "--yes"]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, new RegExp(`migrated from ${older.at(-1) ?? ""} to ${latest}`));
    const upgraded = await readPostgresTables(target.url);
    assert.deepEqual(upgraded.kysely_migration?.map((row) => (row as { name: string }).name), migrationNames);
    assert.deepEqual(upgraded.sessions?.map((row) => (row as { id: string }).id), ["old-session"]);
    assert.deepEqual(upgraded.usage_ledger, [], "tables of later migrations exist");
  });

  test("restore without --yes exits non-zero and changes nothing", async () => {
    const target = await newDatabase();
    const targetConfig = await writeConfig(dir, "untouched.yaml", target.url);
    const refused = await cli(["restore", backupFile, "--config", targetConfig]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    assert.deepEqual(await readPostgresTables(target.url), {}, "nothing was restored into it");
  });

  test("a file that is not a Switchyard PostgreSQL backup is refused with a clear message, and the database stays as it was", async () => {
    const notABackup = join(dir, "notes.txt");
    await writeFile(notABackup, "PGDM, almost\n");
    const sqliteFile = join(dir, "store.db");
    const sqlite = new BetterSqlite3(sqliteFile);
    sqlite.exec("create table kysely_migration (name text primary key, timestamp text)");
    sqlite.close();
    // A pg_dump archive of some other application's database.
    const foreign = await newDatabase();
    const client = new pg.Client({ connectionString: foreign.url });
    await client.connect();
    await client.query("create table invoices (id int primary key); insert into invoices values (1)");
    await client.end();
    const foreignConfig = await writeConfig(dir, "foreign.yaml", foreign.url);
    const foreignDump = join(dir, "foreign.dump");
    assert.equal((await cli(["backup", foreignDump, "--config", foreignConfig])).code, 0);

    const cases: Array<[file: string, message: RegExp]> = [
      [notABackup, /notes\.txt is not a backup: neither a SQLite database nor a pg_dump custom-format archive/],
      [sqliteFile, /store\.db is a SQLite database \(a backup of a SQLite store\), but the configured store is PostgreSQL/],
      [foreignDump, /foreign\.dump is a pg_dump archive but not a Switchyard backup \(it has no kysely_migration table\)/],
    ];
    for (const [file, message] of cases) {
      const refused = await cli(["restore", file, "--config", configPath, "--yes"]);
      assert.equal(refused.code, 1, `${file}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
      assert.match(refused.stderr, /nothing was changed/i);
    }
    assert.deepEqual(await readPostgresTables(source.url), before_);
  });

  test("a backup fails clearly without pg_dump on PATH, or to a path it cannot write, and leaves no file", async () => {
    const emptyPath = join(dir, "empty-path");
    await mkdir(emptyPath, { recursive: true });
    const noTool = join(dir, "no-tool.dump");
    const missing = await cli(["backup", noTool, "--config", configPath], { PATH: emptyPath });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /pg_dump was not found on PATH/);
    assert.equal(existsSync(noTool), false);

    const unwritable = join(configPath, "switchyard.dump");
    const failed = await cli(["backup", unwritable, "--config", configPath]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /cannot write the backup .*switchyard\.yaml\/switchyard\.dump: .*is not a directory/);
  });
});
