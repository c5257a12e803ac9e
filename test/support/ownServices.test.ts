/**
 * The fault-test servers: each answers, refuses connections once stopped, and answers again once restarted.
 * PostgreSQL keeps its data across a restart; Redis starts empty.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { Redis } from "ioredis";
import { startOwnPostgres, type OwnPostgres } from "./ownPostgres.js";
import { startOwnRedis, type OwnRedis } from "./ownRedis.js";

const refused = (error: unknown) => {
  assert.equal((error as { code?: unknown }).code, "ECONNREFUSED", String(error));
  return true;
};

describe("own PostgreSQL", { timeout: 120_000 }, () => {
  let server: OwnPostgres | undefined;
  const url = () => {
    if (server === undefined) throw new Error("the server starts in before()");
    return server.url;
  };
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(text)).rows;
    } finally {
      await client.end();
    }
  };
  before(async () => {
    server = await startOwnPostgres();
  });
  after(() => server?.destroy());

  test("serves the test database on its own port, never 5432", async () => {
    assert.match(url(), /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
    assert.notEqual(new URL(url()).port, "5432");
    assert.deepEqual(await query("select current_database() as name"), [{ name: "test" }]);
  });

  test("stop cuts open connections and refuses new ones; start brings it back with its data", async () => {
    await query("create table kept (value text); insert into kept values ('still here')");
    const open = new pg.Client({ connectionString: url() });
    // pg reports the shutdown, then the closed socket: both are expected here.
    const lost = new Promise<Error>((resolve) => open.on("error", resolve));
    await open.connect();

    await server?.stop();
    assert.ok((await lost) instanceof Error, "the open connection saw the shutdown");
    await open.end().catch(() => undefined);
    await assert.rejects(query("select 1"), refused);

    await server?.start();
    assert.deepEqual(await query("select value from kept"), [{ value: "still here" }]);
  });

  test("destroy stops the server; a second destroy is harmless", async () => {
    const other = await startOwnPostgres();
    await other.destroy();
    const client = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 5_000 });
    await assert.rejects(client.connect(), refused);
    await other.destroy();
  });
});

describe("own Redis", { timeout: 60_000 }, () => {
  let server: OwnRedis | undefined;
  const url = () => {
    if (server === undefined) throw new Error("the server starts in before()");
    return server.url;
  };
  before(async () => {
    server = await startOwnRedis();
  });
  after(() => server?.destroy());

  test("answers PING on its own port, never 6379", async () => {
    assert.match(url(), /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(url()).port, "6379");
    const client = await connectOnce(url());
    try {
      assert.equal(await client.ping(), "PONG");
    } finally {
      client.disconnect();
    }
  });

  test("stop refuses connections; start serves again, empty", async () => {
    const before = await connectOnce(url());
    await before.set("sy:own-redis", "1");
    before.disconnect();

    await server?.stop();
    await assert.rejects(connectOnce(url()), refused);

    await server?.start();
    const after = await connectOnce(url());
    try {
      assert.equal(await after.ping(), "PONG");
      assert.equal(await after.get("sy:own-redis"), null);
    } finally {
      after.disconnect();
    }
  });

  test("destroy stops the server; a second destroy is harmless", async () => {
    const other = await startOwnRedis();
    await other.destroy();
    await assert.rejects(connectOnce(other.url), refused);
    await other.destroy();
  });
});

/** One attempt, no queue, no reconnects; a failure rejects with the socket's own error (ECONNREFUSED, say). */
async function connectOnce(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause: unknown;
  client.on("error", (error: unknown) => {
    cause = error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw cause ?? error;
  }
  return client;
}
