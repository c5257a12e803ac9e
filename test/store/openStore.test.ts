import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/openStore.js";
import { migrations } from "../../src/store/migrations/index.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { eachDialect } from "./eachDialect.js";
import { gatewayError } from "./gatewayError.js";

function recordingLogger() {
  const entries: Array<{ obj: object; msg: string | undefined }> = [];
  return { entries, info: (obj: object, msg?: string) => void entries.push({ obj, msg }) };
}

eachDialect("openStore", (context) => {
  test("names its dialect and answers ping", async () => {
    assert.equal(context.store.dialect, context.dialect);
    await context.store.ping();
  });

  test("sessions and messages survive closing and reopening the database", async () => {
    const url = await context.freshUrl();
    const firstLog = recordingLogger();
    const first = await openStore(url, { logger: firstLog });
    const session = await first.sessions.create({ userId: "u1", title: "kept" });
    const written = await first.messages.append(session.id, [
      { role: "user", content: "remember me", status: "complete" },
      { role: "assistant", content: "I will.", status: "complete", inputTokens: 5, outputTokens: 3 },
    ]);
    await first.close();
    assert.deepEqual(firstLog.entries[0]?.obj, { dialect: context.dialect, migrationsApplied: Object.keys(migrations).sort() });

    const secondLog = recordingLogger();
    const second = await openStore(url, { logger: secondLog });
    try {
      assert.deepEqual(secondLog.entries[0]?.obj, { dialect: context.dialect, migrationsApplied: [] });
      const reopened = await second.sessions.get(session.id, "u1");
      assert.equal(reopened?.title, "kept");
      assert.equal(reopened?.messageCount, 2);
      assert.deepEqual((await second.messages.list(session.id, { limit: 10 })).items, written);
      const [next] = await second.messages.append(session.id, [{ role: "user", content: "again", status: "complete" }]);
      assert.equal(next?.seq, 3);
    } finally {
      await second.close();
    }
  });

  test("ping rejects after close, without hanging; close is idempotent", async () => {
    const store = await openStore(await context.freshUrl());
    await store.ping();
    await store.close();
    await assert.rejects(store.ping(), gatewayError("store_unavailable"));
    await store.close();
  });
});

test("sqlite: creates missing parent directories and enables WAL", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-store-"));
  try {
    const file = join(dir, "nested", "deeper", "switchyard.db");
    const store = await openStore(`sqlite:${file}`);
    await store.sessions.create({ userId: "u" });
    assert.ok((await stat(file)).isFile());
    assert.ok((await stat(`${file}-wal`)).isFile(), "journal_mode = WAL");
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("sqlite: an in-memory store works", async () => {
  const store = await openStore("sqlite::memory:");
  const session = await store.sessions.create({ userId: "u" });
  assert.equal((await store.sessions.get(session.id, "u"))?.id, session.id);
  await store.ping();
  await store.close();
});

test("sqlite: an unusable path fails to open with store_unavailable", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sy-store-"));
  try {
    const store = await openStore(`sqlite:${join(dir, "db")}`);
    await store.close();
    // "db" is now a file, so it cannot be a parent directory.
    await assert.rejects(openStore(`sqlite:${join(dir, "db", "x.db")}`), gatewayError("store_unavailable"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("postgres: an unreachable server fails to open promptly with store_unavailable", { timeout: 15_000 }, async () => {
  await assert.rejects(openStore("postgres://postgres@127.0.0.1:1/postgres"), (error: unknown) => {
    gatewayError("store_unavailable")(error);
    assert.doesNotMatch(String(error), /postgres:\/\//, "the URL is not echoed");
    return true;
  });
});

test("postgres: ping rejects once the database is gone, and the process survives", { timeout: 15_000 }, async () => {
  const database = await createTestPostgresDatabase();
  const logger = recordingLogger();
  const store = await openStore(database.url, { logger });
  try {
    await store.ping();
    // Terminates the pool's idle connection (an 'error' event on the pool) and removes the database.
    await database.drop();
    await assert.rejects(store.ping(), gatewayError("store_unavailable"));
    await assert.rejects(store.ping(), gatewayError("store_unavailable"));
  } finally {
    await store.close();
    await database.drop();
  }
});
