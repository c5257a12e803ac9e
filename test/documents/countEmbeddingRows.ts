/** Rows of the chunk vector table, read with a connection of its own (not through the store under test). */
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

export async function countEmbeddingRows(url: string): Promise<number> {
  if (url.startsWith("sqlite:")) {
    const database = new BetterSqlite3(url.slice("sqlite:".length), { readonly: true });
    try {
      return (database.prepare("select count(*) as n from document_chunk_embeddings").get() as { n: number }).n;
    } finally {
      database.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from document_chunk_embeddings");
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}
