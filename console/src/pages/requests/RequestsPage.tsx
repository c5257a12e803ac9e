/**
 * The request log (the usage ledger): searchable, newest first, paged by cursor; a request's id opens its detail.
 */
import { useState } from "react";
import { isAdmin, useConsole } from "../../app/ConsoleContext";
import type { UsagePage } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatCount, formatMs, formatTime, formatUsd } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { Link } from "../../router/Link";
import { useRoute } from "../../router/router";
import { RequestDetailView } from "./RequestDetailView";
import { RequestFiltersForm } from "./RequestFiltersForm";
import { emptyFilters, requestLogPath, type RequestFilters } from "./requestQuery";

export function RequestsPage() {
  const route = useRoute();
  const requestId = route.segments[1];
  return requestId === undefined ? <RequestLog /> : <RequestDetailView requestId={requestId} />;
}

function RequestLog() {
  const { api, session } = useConsole();
  const admin = isAdmin(session);
  const [filters, setFilters] = useState<RequestFilters>(emptyFilters);
  // The cursors of the pages before this one, so "Previous page" goes back without the API paging backwards.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const path = requestLogPath(filters, admin, cursor);
  const page = useApiData((signal) => api.get<UsagePage>(path, { signal }), [api, path]);
  const rows = page.data?.data ?? [];

  return (
    <section className="page">
      <h1>Requests</h1>
      <RequestFiltersForm
        initial={filters}
        admin={admin}
        onSearch={(next) => {
          setFilters(next);
          setCursors([undefined]);
        }}
      />
      <ErrorMessage error={page.error} />
      {page.data !== undefined ? (
        <p aria-live="polite" className="hint">
          {formatCount(page.data.totals.requests)} requests match · {formatCount(page.data.totals.inputTokens + page.data.totals.outputTokens)} tokens ·{" "}
          {formatUsd(page.data.totals.costUsd)}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="request-log">
          <caption className="visually-hidden">Requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">User</th>
              <th scope="col">Key</th>
              <th scope="col">Route</th>
              <th scope="col">Engine</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Tokens (in / out)</th>
              <th scope="col">Cost</th>
              <th scope="col">Latency</th>
              <th scope="col">TTFT</th>
              <th scope="col">Trace id</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>
                  <Link to={`requests/${encodeURIComponent(row.requestId)}`} aria-label={`Request ${row.requestId} at ${formatTime(row.createdAt)}`}>
                    {formatTime(row.createdAt)}
                  </Link>
                </td>
                <td>{row.userId}</td>
                <td>{row.keyId ?? "—"}</td>
                <td>{row.route ?? "—"}</td>
                <td>{row.engine ?? "—"}</td>
                <td>{row.model ?? "—"}</td>
                <td>
                  <span className={`badge badge-${row.status === "complete" ? "good" : row.status === "incomplete" ? "warn" : "bad"}`}>{row.status}</span>
                  {row.errorCode !== null ? <div className="hint">{row.errorCode}</div> : null}
                </td>
                <td>
                  {formatCount(row.inputTokens)} / {formatCount(row.outputTokens)}
                </td>
                <td>
                  {formatUsd(row.costUsd)}
                  {row.estimated ? <span className="hint"> (est.)</span> : null}
                </td>
                <td>{formatMs(row.latencyMs)}</td>
                <td>{formatMs(row.ttftMs)}</td>
                <td>
                  <code className="trace">{row.traceId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data !== undefined && rows.length === 0 ? <p>No requests match.</p> : null}
      <div className="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={page.data?.nextCursor === null || page.data?.nextCursor === undefined}
          onClick={() => {
            const next = page.data?.nextCursor;
            if (typeof next === "string") setCursors([...cursors, next]);
          }}
        >
          Next page
        </button>
      </div>
    </section>
  );
}
