/**
 * Graph expansion over document references: from a set of documents, the documents they reference and the ones
 * that cite them, transitively up to a depth, each direction followed on its own (a reference of a reference, a
 * citer of a citer). A recursive query per direction, the same on both dialects; the walk only ever steps onto documents the
 * caller may see, so an invisible document neither appears nor leads anywhere.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { LexicalFilter } from "./lexicalIndex.js";

export type LinkDirection = "references" | "cited_by";

export interface LinkedDocument {
  documentId: string;
  title: string;
  excerpt: string;
  /** The start document it was reached from. */
  rootId: string;
  direction: LinkDirection;
  depth: number;
}

export async function expandReferences(
  db: Kysely<Database>,
  rootIds: readonly string[],
  depth: number,
  filter: Pick<LexicalFilter, "projectId" | "maxAccessLevel">,
): Promise<LinkedDocument[]> {
  if (rootIds.length === 0 || depth < 1) return [];
  const conditions = [sql`1 = 1`];
  if (filter.projectId !== undefined) conditions.push(sql`d.project_id = ${filter.projectId}`);
  if (filter.maxAccessLevel !== undefined) conditions.push(sql`d.access_level <= ${filter.maxAccessLevel}`);
  const visible = sql.join(conditions, sql` and `);
  const roots = sql.join(rootIds.map((id) => sql`${id}`));
  const walk = async (direction: LinkDirection) => {
    // One direction per query: each recursive step is then a plain lookup on one edge index (the primary key
    // forward, document_references_to_idx backward) instead of a scan of every edge.
    const near = sql.ref(direction === "references" ? "e.from_id" : "e.to_id");
    const far = sql.ref(direction === "references" ? "e.to_id" : "e.from_id");
    const { rows } = await sql<LinkedDocument>`
      with recursive reach (id, root, depth) as (
        select ${far}, ${near}, 1
          from document_references e join documents d on d.id = ${far}
         where ${near} in (${roots}) and ${visible}
        union
        select ${far}, r.root, r.depth + 1
          from reach r
          join document_references e on ${near} = r.id
          join documents d on d.id = ${far}
         where r.depth < ${depth} and ${visible}
      )
      select r.id as "documentId", d.title as "title", d.excerpt as "excerpt", r.root as "rootId",
             ${direction} as "direction", r.depth as "depth"
        from reach r join documents d on d.id = r.id
       order by r.depth, r.id, r.root`.execute(db);
    return rows;
  };
  const rows = [...(await walk("references")), ...(await walk("cited_by"))];
  return rows.map((row) => ({ ...row, depth: Number(row.depth) }));
}
