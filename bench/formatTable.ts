/** A plain-text table: the first `textColumns` columns (names) left-aligned, the rest (figures) right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => (column < textColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}
