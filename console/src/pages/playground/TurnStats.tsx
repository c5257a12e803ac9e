/** A turn's numbers: time to first token (measured here), tokens, cost (from the ledger), engine and trace id. */
import { formatCount, formatMs, formatUsd } from "../../format/formatters";
import { Link } from "../../router/Link";

export interface TurnStatsValue {
  ttftMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** undefined while the ledger is being asked; null when it had no row. */
  costUsd: number | null | undefined;
  engine: string | null;
  model: string | null;
  traceId: string | null;
  requestId: string | null;
}

export function tokensText(stats: Pick<TurnStatsValue, "inputTokens" | "outputTokens">): string {
  if (stats.inputTokens === null && stats.outputTokens === null) return "tokens unknown";
  const input = stats.inputTokens ?? 0;
  const output = stats.outputTokens ?? 0;
  return `${formatCount(input + output)} tokens (${formatCount(input)} in, ${formatCount(output)} out)`;
}

export function costText(costUsd: number | null | undefined): string {
  if (costUsd === undefined) return "cost …";
  if (costUsd === null) return "cost unknown";
  return `cost ${formatUsd(costUsd)}`;
}

export function TurnStats({ stats }: { stats: TurnStatsValue }) {
  return (
    <p className="turn-stats" data-testid="turn-stats">
      <span>TTFT {formatMs(stats.ttftMs)}</span>
      <span>{tokensText(stats)}</span>
      <span>{costText(stats.costUsd)}</span>
      <span>
        engine <strong>{stats.engine ?? "unknown"}</strong>
        {stats.model !== null ? ` (${stats.model})` : ""}
      </span>
      <span>
        trace <code>{stats.traceId ?? "—"}</code>
      </span>
      {stats.requestId !== null ? <Link to={`requests/${encodeURIComponent(stats.requestId)}`}>request details</Link> : null}
    </p>
  );
}
