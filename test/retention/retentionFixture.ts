/**
 * A store of its own per test (retention and roll-ups act on whole tables), with a clock the test sets, and a
 * second connection that reads the tables directly to check what is really left.
 */
import { Kysely } from "kysely";
import { openStore, type Store } from "../../src/store/openStore.js";
import { parseStoreUrl } from "../../src/store/parseStoreUrl.js";
import { postgresDialect } from "../../src/store/postgresDialect.js";
import { sqliteDialect } from "../../src/store/sqliteDialect.js";
import type { Database } from "../../src/store/schema.js";
import type { DialectContext } from "../store/eachDialect.js";

export interface RetentionFixture {
  url: string;
  store: Store;
  /** The instant the store stamps new sessions and messages with; tests move it. */
  at: { now: number };
  raw: Kysely<Database>;
  ids(table: "sessions" | "messages" | "usage_ledger"): Promise<string[]>;
  close(): Promise<void>;
}

export async function retentionFixture(context: DialectContext, start = Date.UTC(2025, 0, 1)): Promise<RetentionFixture> {
  const url = await context.freshUrl();
  const at = { now: start };
  const store = await openStore(url, { now: () => at.now });
  const target = parseStoreUrl(url);
  const raw = new Kysely<Database>({
    dialect: target.dialect === "sqlite" ? sqliteDialect(target.filename) : postgresDialect(target.connectionString, undefined).dialect,
  });
  return {
    url,
    store,
    at,
    raw,
    async ids(table) {
      const rows = await raw.selectFrom(table).select("id").orderBy("id").execute();
      return rows.map((row) => row.id);
    },
    async close() {
      await raw.destroy();
      await store.close();
    },
  };
}
