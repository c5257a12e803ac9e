/**
 * One chart with its title as the region's name, and the same numbers as a table for keyboards and screen readers
 * (a chart alone is a picture). The only module that draws with Recharts, loaded with the Usage page.
 */
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export const PALETTE = ["#1f5fbf", "#b3261e", "#1b7f3b", "#8a4b00", "#6b3fa0", "#007a87", "#a0306e", "#4d5b00", "#555555"];

export interface ChartCardProps<Row extends { label: string; start: string }> {
  title: string;
  rows: Row[];
  lines: { key: string; name: string }[];
  format: (value: number) => string;
  referenceLines?: { y: number; label: string }[];
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string;
}

export function ChartCard<Row extends { label: string; start: string }>({ title, rows, lines, format, referenceLines = [], empty = "No data in this range." }: ChartCardProps<Row>) {
  const value = (row: Row, key: string): unknown => (row as Record<string, unknown>)[key];
  return (
    <section className="chart-card" aria-label={title}>
      <h3>{title}</h3>
      {rows.length === 0 || lines.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <>
          <div className="chart" aria-hidden="true">
            <ResponsiveContainer width="100%" height={240} initialDimension={{ width: 600, height: 240 }}>
              <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                <CartesianGrid stroke="#d0d4da" strokeDasharray="3 3" />
                <XAxis dataKey="label" tick={{ fontSize: 12, fill: "#333" }} minTickGap={24} />
                <YAxis tick={{ fontSize: 12, fill: "#333" }} tickFormatter={(v: number) => format(v)} width={72} />
                <Tooltip formatter={(v) => (typeof v === "number" ? format(v) : String(v))} />
                <Legend />
                {referenceLines.map((line) => (
                  <ReferenceLine key={line.label} y={line.y} stroke="#8a4b00" strokeDasharray="6 3" label={{ value: line.label, position: "insideTopRight", fill: "#5c3200", fontSize: 12 }} />
                ))}
                {lines.map((line, index) => (
                  <Line key={line.key} type="monotone" dataKey={line.key} name={line.name} stroke={PALETTE[index % PALETTE.length]} dot={false} strokeWidth={2} connectNulls isAnimationActive={false} />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
          <details>
            <summary>Data table: {title}</summary>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Time (UTC)</th>
                    {lines.map((line) => (
                      <th scope="col" key={line.key}>
                        {line.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.start}>
                      <th scope="row">{row.label}</th>
                      {lines.map((line) => {
                        const cell = value(row, line.key);
                        return <td key={line.key}>{typeof cell === "number" ? format(cell) : "—"}</td>;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
