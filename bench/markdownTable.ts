/** A GitHub-flavoured markdown table: the first `textColumns` columns left-aligned, the figures right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const line = (row: readonly string[]) => `| ${row.map(escape).join(" | ")} |`;
  const rule = `| ${header.map((_, i) => (i < textColumns ? "---" : "---:")).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
