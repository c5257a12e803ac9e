import { Migrator, type Kysely } from "kysely";
import { migrations } from "./migrations/index.js";

/** Applies pending migrations and returns their names; throws the first failure. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  // Kysely's Migrator takes a lock (an advisory lock on PostgreSQL), so replicas starting together are safe.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- whatever the failing migration threw, as Kysely reports it
  if (error !== undefined) throw error;
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}
