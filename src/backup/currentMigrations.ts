import pg from "pg";
import { BackupError } from "./BackupError.js";
import { MIGRATION_TABLE } from "./checkBackupMigrations.js";

const UNDEFINED_TABLE = "42P01";

/** The migrations the configured PostgreSQL database has applied; none for an empty database. */
export async function currentMigrations(connectionUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new BackupError(`cannot connect to the PostgreSQL store: ${(error as Error).message}`, { cause: error });
  }
  try {
    const result = await client.query<{ name: string }>(`select name from ${MIGRATION_TABLE}`);
    return result.rows.map((row) => row.name);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return [];
    throw new BackupError(`cannot read the PostgreSQL store's migrations: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
