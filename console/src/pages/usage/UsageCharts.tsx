/** The usage charts for one series answer: totals with percentiles, or one line per group. */
import type { UsageSeries } from "../../api/types";
import { formatCount, formatMs, formatUsd } from "../../format/formatters";
import { ChartCard } from "./ChartCard";
import { groupRows, totalRows, type GroupMetric } from "./chartRows";

const grouped: { metric: GroupMetric; title: string; format: (n: number) => string }[] = [
  { metric: "requests", title: "Requests over time", format: formatCount },
  { metric: "errors", title: "Errors over time", format: formatCount },
  { metric: "tokens", title: "Tokens over time", format: formatCount },
  { metric: "costUsd", title: "Cost over time", format: formatUsd },
  { metric: "latencyP95", title: "Latency p95", format: formatMs },
  { metric: "ttftP95", title: "Time to first token p95", format: formatMs },
];

export function UsageCharts({ answer }: { answer: UsageSeries }) {
  if (answer.groupBy !== "none") {
    return (
      <div className="chart-grid">
        {grouped.map(({ metric, title, format }) => {
          const { rows, lines } = groupRows(answer, metric);
          return <ChartCard key={metric} title={title} rows={rows} lines={lines} format={format} />;
        })}
      </div>
    );
  }
  const rows = totalRows(answer);
  return (
    <div className="chart-grid">
      <ChartCard title="Requests over time" rows={rows} lines={[{ key: "requests", name: "requests" }, { key: "errors", name: "errors" }]} format={formatCount} />
      <ChartCard title="Tokens over time" rows={rows} lines={[{ key: "inputTokens", name: "input tokens" }, { key: "outputTokens", name: "output tokens" }]} format={formatCount} />
      <ChartCard title="Cost over time" rows={rows} lines={[{ key: "costUsd", name: "cost (USD)" }]} format={formatUsd} />
      <ChartCard
        title="Latency"
        rows={rows}
        lines={[{ key: "latencyP50", name: "p50" }, { key: "latencyP95", name: "p95" }, { key: "latencyP99", name: "p99" }]}
        format={formatMs}
      />
      <ChartCard
        title="Time to first token"
        rows={rows}
        lines={[{ key: "ttftP50", name: "p50" }, { key: "ttftP95", name: "p95" }, { key: "ttftP99", name: "p99" }]}
        format={formatMs}
      />
    </div>
  );
}
