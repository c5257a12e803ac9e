/**
 * The visibility conditions every chunk search applies (project, type, access level), on the documents table
 * aliased `d`, as an `and …` suffix for a where clause.
 */
import { sql, type RawBuilder } from "kysely";
import type { LexicalFilter } from "./lexicalIndex.js";

export function visibilityFilter(filter: LexicalFilter): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [];
  if (filter.projectId !== undefined) conditions.push(sql`d.project_id = ${filter.projectId}`);
  if (filter.type !== undefined) conditions.push(sql`d.type = ${filter.type}`);
  if (filter.maxAccessLevel !== undefined) conditions.push(sql`d.access_level <= ${filter.maxAccessLevel}`);
  return conditions.length === 0 ? sql`` : sql` and ${sql.join(conditions, sql` and `)}`;
}
