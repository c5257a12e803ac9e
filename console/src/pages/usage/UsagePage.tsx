/**
 * Usage and spend over time from the series endpoint (everyone's for an admin, grouped as chosen; your own for a
 * user), a CSV export of the same range, and budgets with their burn-down.
 */
import { useState } from "react";
import { isAdmin, useConsole } from "../../app/ConsoleContext";
import { queryString } from "../../api/createApiClient";
import type { Bucket, GroupBy, UsageSeries } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatCount, formatUsd } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { BudgetsPanel } from "./BudgetsPanel";
import { UsageCharts } from "./UsageCharts";
import { totalRows } from "./chartRows";

const ranges = { "24h": { label: "Last 24 hours", ms: 86_400_000 }, "7d": { label: "Last 7 days", ms: 7 * 86_400_000 }, "30d": { label: "Last 30 days", ms: 30 * 86_400_000 } } as const;
type Range = keyof typeof ranges;

export function UsagePage() {
  const { api, session } = useConsole();
  const admin = isAdmin(session);
  const [range, setRange] = useState<Range>("24h");
  const [bucket, setBucket] = useState<Bucket>("hour");
  const [groupBy, setGroupBy] = useState<GroupBy>("none");
  const [now, setNow] = useState(() => Date.now());

  const from = new Date(now - ranges[range].ms).toISOString();
  const to = new Date(now).toISOString();
  const base = admin ? "/api/v2/admin/usage" : "/api/v2/usage";
  const seriesPath = `${base}/series${queryString({ from, to, bucket, groupBy })}`;
  const csvPath = `${base}/export.csv${queryString({ from, to })}`;
  const series = useApiData((signal) => api.get<UsageSeries>(seriesPath, { signal }), [api, seriesPath]);
  const totals = (series.data === undefined ? [] : totalRows(series.data)).reduce(
    (sum, row) => ({
      requests: sum.requests + Number(row.requests),
      errors: sum.errors + Number(row.errors),
      tokens: sum.tokens + Number(row.inputTokens) + Number(row.outputTokens),
      costUsd: sum.costUsd + Number(row.costUsd),
    }),
    { requests: 0, errors: 0, tokens: 0, costUsd: 0 },
  );
  const groupOptions: GroupBy[] = admin ? ["none", "user", "key", "engine", "model", "route"] : ["none", "key", "engine", "model", "route"];

  return (
    <section className="page">
      <div className="page-head">
        <h1>Usage and spend</h1>
        <a className="button" href={csvPath} download>
          Export CSV
        </a>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Usage range">
        <div className="field">
          <label htmlFor="usage-range">Range</label>
          <select
            id="usage-range"
            value={range}
            onChange={(e) => {
              const next = e.target.value as Range;
              setRange(next);
              setBucket(next === "24h" ? "hour" : "day");
              setNow(Date.now());
            }}
          >
            {Object.entries(ranges).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-bucket">Per</label>
          <select id="usage-bucket" value={bucket} onChange={(e) => setBucket(e.target.value as Bucket)}>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-group">Group by</label>
          <select id="usage-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)}>
            {groupOptions.map((option) => (
              <option key={option} value={option}>
                {option === "none" ? "nothing" : option}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => setNow(Date.now())}>
          Refresh
        </button>
      </form>
      <ErrorMessage error={series.error} />
      <dl className="totals" aria-live="polite">
        <div>
          <dt>Requests</dt>
          <dd data-testid="usage-total-requests">{formatCount(totals.requests)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{formatCount(totals.errors)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{formatCount(totals.tokens)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatUsd(totals.costUsd)}</dd>
        </div>
      </dl>
      {series.data !== undefined ? <UsageCharts answer={series.data} /> : series.loading ? <p role="status">Loading…</p> : null}
      <BudgetsPanel />
    </section>
  );
}
