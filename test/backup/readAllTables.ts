/**
 * Every row of every table of a store, read straight through the dialect's driver (not through the stores
 * under test), each table ordered by its primary key: two stores hold the same data exactly when these are
 * deeply equal. Tables are discovered, so tables added later are compared too.
 */
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

export type TableRows = Record<string, unknown[]>;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function readSqliteTables(file: string): TableRows {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    const result: TableRows = {};
    for (const table of tables) {
      const columns = db.prepare(`select name, pk from pragma_table_info(?)`).all(table) as Array<{ name: string; pk: number }>;
      const key = columns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
      const order = (key.length > 0 ? key : columns).map((column) => quote(column.name)).join(", ");
      result[table] = db.prepare(`select * from ${quote(table)} order by ${order}`).all();
    }
    return result;
  } finally {
    db.close();
  }
}

export async function readPostgresTables(url: string): Promise<TableRows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
    );
    const result: TableRows = {};
    for (const { name } of tables.rows) {
      const key = await client.query<{ column: string }>(
        `select a.attname as column
           from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = $1::regclass and i.indisprimary
          order by array_position(i.indkey, a.attnum)`,
        [quote(name)],
      );
      const columns = key.rows.length > 0 ? key.rows.map((row) => row.column) : await allColumns(client, name);
      const rows = await client.query(`select * from ${quote(name)} order by ${columns.map(quote).join(", ")}`);
      result[name] = rows.rows;
    }
    return result;
  } finally {
    await client.end();
  }
}

async function allColumns(client: pg.Client, table: string): Promise<string[]> {
  const columns = await client.query<{ name: string }>(
    "select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position",
    [table],
  );
  return columns.rows.map((row) => row.name);
}
