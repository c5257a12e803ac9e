/**
 * Graph expansion over document references: from a set of documents, the documents they reference and the ones
 * that cite them, transitively up to a depth, each direction followed on its own (a reference of a reference, a
 * citer of a citer). One recursive query, the same on both dialects; the walk only ever steps onto documents the
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
  // Each edge twice, once per direction, so one recursive step serves both walks through the two indexes.
  const { rows } = await sql<LinkedDocument>`
    with recursive
      edges (src, dst, direction) as (
        select from_id, to_id, 'references' from document_references
        union all
        select to_id, from_id, 'cited_by' from document_references
      ),
      reach (id, root, direction, depth) as (
        select e.dst, e.src, e.direction, 1
          from edges e join documents d on d.id = e.dst
         where e.src in (${roots}) and ${visible}
        union
        select e.dst, r.root, r.direction, r.depth + 1
          from reach r
          join edges e on e.src = r.id and e.direction = r.direction
          join documents d on d.id = e.dst
         where r.depth < ${depth} and ${visible}
      )
    select r.id as "documentId", d.title as "title", d.excerpt as "excerpt", r.root as "rootId",
           r.direction as "direction", r.depth as "depth"
      from reach r join documents d on d.id = r.id
     order by r.depth, r.id, r.root, r.direction`.execute(db);
  return rows.map((row) => ({ ...row, depth: Number(row.depth) }));
}
