/**
 * Query plans as comparable steps, for the EXPLAIN tests: PostgreSQL's `explain (format json)` tree flattened, and
 * SQLite's `explain query plan` detail lines parsed.
 */
import { isRecord } from "../../src/isRecord.js";

export interface PlanStep {
  /** PostgreSQL: the node type (Index Scan, Seq Scan, ...); SQLite: the EXPLAIN QUERY PLAN detail line. */
  step: string;
  table: string | undefined;
  index: string | undefined;
  /** The condition the index is searched with (PostgreSQL's Index Cond, SQLite's parenthesized terms). */
  condition?: string | undefined;
}

export function postgresSteps(plan: unknown): PlanStep[] {
  const steps: PlanStep[] = [];
  const walk = (node: unknown) => {
    if (!isRecord(node)) return;
    const type = node["Node Type"];
    if (typeof type === "string") {
      steps.push({ step: type, table: stringOr(node["Relation Name"]), index: stringOr(node["Index Name"]), condition: stringOr(node["Index Cond"]) });
    }
    const children = node["Plans"];
    if (Array.isArray(children)) children.forEach(walk);
  };
  if (Array.isArray(plan)) plan.forEach((entry) => walk(isRecord(entry) ? entry["Plan"] : undefined));
  return steps;
}

/** "SEARCH sessions USING INDEX sessions_user_active_updated_idx (user_id=? AND active=?)" → its parts. */
export function sqliteStep(row: Record<string, unknown>): PlanStep {
  const detail = String(row["detail"]);
  const match = /^(?:SEARCH|SCAN) (\S+)(?: USING (?:COVERING )?INDEX (\S+))?/.exec(detail);
  const primaryKey = /USING (?:INTEGER )?PRIMARY KEY/.test(detail);
  return { step: detail, table: match?.[1], index: match?.[2] ?? (primaryKey ? "PRIMARY KEY" : undefined), condition: /\((.*)\)\s*$/.exec(detail)?.[1] };
}

/** A step that reads `table` whole, without an index. */
export function fullScanOf(plan: readonly PlanStep[], table: string): PlanStep | undefined {
  return plan.find((step) => step.table === table && (step.step === "Seq Scan" || /^SCAN \S+$/.test(step.step)));
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
