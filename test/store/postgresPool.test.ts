/**
 * The PostgreSQL pool as configured by `store.pool`: its settings reach pg, `max` bounds the connections and
 * queues the rest, the statement timeout is enforced by the server, `min` connections are open after start, and
 * broken or unusable connections never stay in the pool. Runs against the machine's PostgreSQL, in a throwaway
 * database; one test uses a fake server that completes the handshake and then fails every query.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { Kysely, sql } from "kysely";
import pg from "pg";
import { configSchema } from "../../src/config/schema.js";
import { storePoolSchema, type StorePoolConfig } from "../../src/config/storeSchema.js";
import { openStore } from "../../src/store/openStore.js";
import { postgresDialect } from "../../src/store/postgresDialect.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { eventually } from "../support/eventually.js";
import { gatewayError } from "./gatewayError.js";

const defaults: StorePoolConfig = storePoolSchema.parse({});
const settings = (overrides: Partial<StorePoolConfig>): StorePoolConfig => ({ ...defaults, ...overrides });

test("store.pool: defaults, and min may not exceed max (the field is named)", () => {
  assert.deepEqual(configSchema.parse({}).store.pool, {
    min: 5,
    max: 20,
    idleTimeoutMs: 30_000,
    maxLifetimeMs: 1_800_000,
    connectionTimeoutMs: 5_000,
    statementTimeoutMs: 30_000,
  });
  const result = configSchema.safeParse({ store: { pool: { min: 8, max: 4 } } });
  assert.equal(result.success, false);
  assert.deepEqual(
    result.error?.issues.map((issue) => [issue.path.join("."), issue.message]),
    [["store.pool.min", "min (8) must not exceed max (4)"]],
  );
  assert.equal(configSchema.safeParse({ store: { pool: { connectionTimeoutMs: 0 } } }).success, false, "a connection wait is never unbounded");
});

test("sqlite ignores store.pool: one connection", async () => {
  const store = await openStore("sqlite::memory:", { pool: settings({ min: 3, max: 7 }) });
  try {
    assert.deepEqual(store.poolStats(), { total: 1, idle: 1, waiting: 0, max: 1 });
  } finally {
    await store.close();
  }
});

describe("postgres pool", () => {
  let database: TestPostgresDatabase | undefined;
  let admin: pg.Client | undefined;
  const url = () => {
    if (database === undefined) throw new Error("the database is created in before()");
    return database.url;
  };
  // Another session in the same database, to hold locks the store's queries must wait for.
  const adminClient = () => {
    if (admin === undefined) throw new Error("the admin client connects in before()");
    return admin;
  };

  before(async () => {
    database = await createTestPostgresDatabase();
    // Creates the schema once, so later stores open without migrating.
    await (await openStore(database.url)).close();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
    await database?.drop();
  });

  test("the settings reach pg.Pool, and the statement timeout every connection", async () => {
    const configured = settings({ min: 0, max: 7, idleTimeoutMs: 12_000, maxLifetimeMs: 90_500, connectionTimeoutMs: 2_500, statementTimeoutMs: 1_234 });
    const { dialect, pool } = postgresDialect(url(), undefined, configured);
    const db = new Kysely<unknown>({ dialect });
    try {
      assert.equal(pool.options.min, 0);
      assert.equal(pool.options.max, 7);
      assert.equal(pool.options.idleTimeoutMillis, 12_000);
      assert.equal(pool.options.maxLifetimeSeconds, 91, "pg-pool counts whole seconds; rounded up");
      assert.equal(pool.options.connectionTimeoutMillis, 2_500);
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db);
      assert.equal(rows[0]?.statement_timeout, "1234ms");
    } finally {
      await db.destroy();
    }
    // Without settings (one-shot CLI commands): a small pool that opens nothing ahead and never cuts a migration.
    const oneShot = postgresDialect(url(), undefined).pool;
    assert.equal(oneShot.options.min, 0);
    assert.equal(oneShot.options.max, 10);
    assert.equal("statement_timeout" in oneShot.options, false);
    await oneShot.end();
  });

  test("min connections are open once the store is, and idle", async () => {
    const store = await openStore(url(), { pool: settings({ min: 3, max: 5 }) });
    try {
      assert.deepEqual(store.poolStats(), { total: 3, idle: 3, waiting: 0, max: 5 });
    } finally {
      await store.close();
    }
  });

  test("max bounds the connections: one more concurrent query waits in the pool's queue", async () => {
    const store = await openStore(url(), { pool: settings({ min: 0, max: 3 }) });
    const session = await store.sessions.create({ userId: "pool-user" });
    await adminClient().query("begin");
    try {
      // Each read waits for the lock on its own connection, so all three stay checked out.
      await adminClient().query("lock table sessions in access exclusive mode");
      const reads = Array.from({ length: 4 }, () => store.sessions.get(session.id, "pool-user"));
      const stats = await eventually(() => {
        const current = store.poolStats();
        return current.total === 3 && current.waiting === 1 && current;
      }, 5_000, "three busy connections and one queued checkout");
      assert.deepEqual(stats, { total: 3, idle: 0, waiting: 1, max: 3 });
      await adminClient().query("commit");
      const found = await Promise.all(reads);
      assert.deepEqual(found.map((s) => s?.id), [session.id, session.id, session.id, session.id]);
      assert.equal(store.poolStats().waiting, 0);
    } finally {
      await adminClient().query("rollback").catch(() => undefined);
      await store.close();
    }
  });

  test("the statement timeout cancels a long query on the server; the connection stays usable", { timeout: 10_000 }, async () => {
    const { dialect, pool } = postgresDialect(url(), undefined, settings({ min: 0, max: 1, statementTimeoutMs: 200 }));
    const db = new Kysely<unknown>({ dialect });
    try {
      await assert.rejects(sql`select pg_sleep(5)`.execute(db), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /canceling statement due to statement timeout/);
        assert.equal((error as Error & { code?: unknown }).code, "57014");
        return true;
      });
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.equal(pool.totalCount, 1, "the same connection answered");
    } finally {
      await db.destroy();
    }
  });

  test("the statement timeout applies to the store's own queries (here, one stuck behind a lock)", { timeout: 10_000 }, async () => {
    const store = await openStore(url(), { pool: settings({ min: 0, max: 2, statementTimeoutMs: 300 }) });
    const session = await store.sessions.create({ userId: "timeout-user" });
    await adminClient().query("begin");
    try {
      await adminClient().query("lock table sessions in access exclusive mode");
      await assert.rejects(store.sessions.get(session.id, "timeout-user"), /statement timeout/);
    } finally {
      await adminClient().query("rollback");
      await store.close();
    }
  });

  test("connections the server ended are dropped, and the next query connects afresh", async () => {
    const store = await openStore(url(), { pool: settings({ min: 2, max: 4 }) });
    try {
      assert.equal(store.poolStats().total, 2);
      await adminClient().query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
      await eventually(() => store.poolStats().total === 0, 5_000, "the pool to drop its terminated connections");
      await store.ping();
      assert.equal(store.poolStats().total, 1);
    } finally {
      await store.close();
    }
  });
});

describe("postgres pool: a connection that fails its check", () => {
  let fake: { port: number; close(): Promise<void> } | undefined;
  let fakeUrl = "";
  before(async () => {
    fake = await startBrokenPostgres();
    fakeUrl = `postgres://switchyard@127.0.0.1:${fake.port}/switchyard`;
  });
  after(() => fake?.close());

  test("is never handed out, and the checkout fails with the cause", { timeout: 10_000 }, async () => {
    const { pool } = postgresDialect(fakeUrl, undefined, settings({ min: 0, max: 2 }));
    try {
      // Released if it is handed out after all, so the pool can still end and the failure is reported.
      const checkout = pool.connect().then((client) => client.release());
      await assert.rejects(checkout, /failed its check \(select 1\): backend unavailable/);
      assert.equal(pool.totalCount, 0);
    } finally {
      await pool.end();
    }
  });

  test("makes the store fail to open with store_unavailable", { timeout: 10_000 }, async () => {
    await assert.rejects(openStore(fakeUrl, { pool: settings({ min: 2, max: 2 }) }), (error: unknown) => {
      gatewayError("store_unavailable")(error);
      assert.match(String(error), /failed its check/);
      return true;
    });
  });
});

/**
 * Speaks just enough of the PostgreSQL protocol to let a client in (AuthenticationOk, ReadyForQuery) and then
 * answers every simple query with an error: what a pooler in front of an unreachable server looks like.
 */
async function startBrokenPostgres(): Promise<{ port: number; close(): Promise<void> }> {
  const message = (type: string, body: Buffer) => {
    const header = Buffer.alloc(5);
    header.write(type, 0, "latin1");
    header.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([header, body]);
  };
  const int32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return buffer;
  };
  const ready = message("Z", Buffer.from("I", "latin1"));
  const failure = message("E", Buffer.from("SERROR\0VERROR\0C08006\0Mbackend unavailable\0\0", "latin1"));
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // The startup message has no type byte; every later message has one.
        const offset = started ? 1 : 0;
        if (pending.length < offset + 4) return;
        const length = pending.readInt32BE(offset) + offset;
        if (pending.length < length) return;
        const type = started ? String.fromCharCode(pending[0] ?? 0) : "startup";
        pending = pending.subarray(length);
        if (type === "startup") {
          started = true;
          socket.write(Buffer.concat([message("R", int32(0)), ready]));
        } else if (type === "Q" || type === "S") {
          // A simple query, or the Sync that ends an extended-protocol one (the error stands for the whole batch).
          socket.write(Buffer.concat([failure, ready]));
        } else if (type === "X") {
          socket.end();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
