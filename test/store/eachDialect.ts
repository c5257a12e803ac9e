/**
 * Runs one suite against every dialect (kysely style): each gets a real database of its own, a store opened on
 * it, and a deterministic clock. Tests share the store, so each works with its own users and sessions.
 */
import { after, before, describe } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/openStore.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { createTestClock, type TestClock } from "./testClock.js";

export type DialectName = Store["dialect"];

export const dialects: readonly DialectName[] = ["sqlite", "postgres"];

export interface DialectContext {
  readonly dialect: DialectName;
  /** The store every test of the suite shares. */
  readonly store: Store;
  readonly clock: TestClock;
  /** The URL of another empty database of this dialect, removed after the suite (for open/close tests). */
  freshUrl(): Promise<string>;
}

interface Databases {
  fresh(): Promise<string>;
  dispose(): Promise<void>;
}

export function eachDialect(label: string, body: (context: DialectContext) => void): void {
  for (const dialect of dialects) {
    describe(`${label} [${dialect}]`, () => {
      const clock = createTestClock();
      let databases: Databases | undefined;
      let store: Store | undefined;

      before(async () => {
        databases = dialect === "sqlite" ? await sqliteDatabases() : postgresDatabases();
        store = await openStore(await databases.fresh(), { now: clock.now });
      });
      after(async () => {
        await store?.close();
        await databases?.dispose();
      });

      body({
        dialect,
        clock,
        get store() {
          if (store === undefined) throw new Error("the store opens in before()");
          return store;
        },
        freshUrl() {
          if (databases === undefined) throw new Error("databases are created in before()");
          return databases.fresh();
        },
      });
    });
  }
}

async function sqliteDatabases(): Promise<Databases> {
  const dir = await mkdtemp(join(tmpdir(), "sy-store-"));
  let count = 0;
  return {
    fresh: async () => `sqlite:${join(dir, `store-${++count}.db`)}`,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function postgresDatabases(): Databases {
  const drops: Array<() => Promise<void>> = [];
  return {
    fresh: async () => {
      const database = await createTestPostgresDatabase();
      drops.push(database.drop);
      return database.url;
    },
    dispose: async () => {
      await Promise.all(drops.map((drop) => drop()));
    },
  };
}
