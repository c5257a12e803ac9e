/**
 * Engines and routes, live: GET /api/v2/admin/engines again every few seconds (while the page is open), with the
 * breaker, running and queued requests, time to first token and the last error; the routes; the last reload.
 */
import { useEffect } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { EnginesView } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatMs, formatTime } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { BreakerBadge, UsableBadge } from "./EngineBadges";

export const REFRESH_MS = 3000;

export function EnginesPage({ refreshMs = REFRESH_MS }: { refreshMs?: number }) {
  const { api } = useConsole();
  const state = useApiData((signal) => api.get<EnginesView>("/api/v2/admin/engines", { signal }), [api]);
  const { reload } = state;

  useEffect(() => {
    const timer = window.setInterval(reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [reload, refreshMs]);

  const view = state.data;
  return (
    <section className="page">
      <div className="page-head">
        <h1>Engines and routes</h1>
        <p className="hint">Refreshes every {Math.round(refreshMs / 1000)} s.</p>
      </div>
      <ErrorMessage error={state.error} prefix="Could not refresh" />
      {view === undefined ? (
        state.loading ? <p role="status">Loading…</p> : null
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption>Engines</caption>
              <thead>
                <tr>
                  <th scope="col">Engine</th>
                  <th scope="col">Type</th>
                  <th scope="col">Usable</th>
                  <th scope="col">Breaker</th>
                  <th scope="col">In flight / max</th>
                  <th scope="col">Queued / max</th>
                  <th scope="col">TTFT (avg)</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {view.engines.map((engine) => (
                  <tr key={engine.name} data-engine={engine.name}>
                    <th scope="row">
                      {engine.name}
                      <div className="hint">{engine.models.join(", ")}</div>
                    </th>
                    <td>{engine.type}</td>
                    <td>
                      <UsableBadge usable={engine.usable} reason={engine.reason} />
                    </td>
                    <td>
                      <BreakerBadge state={engine.breaker} />
                    </td>
                    <td>
                      {engine.inFlight} / {engine.maxConcurrency}
                    </td>
                    <td>
                      {engine.queued} / {engine.maxQueue}
                    </td>
                    <td>{formatMs(engine.ewmaTtftMs)}</td>
                    <td>
                      {engine.lastError === null ? (
                        "—"
                      ) : (
                        <>
                          <code>{engine.lastError.code}</code> {engine.lastError.message}
                          <div className="hint">{formatTime(engine.lastError.at)}</div>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-wrap">
            <table>
              <caption>Routes</caption>
              <thead>
                <tr>
                  <th scope="col">Route</th>
                  <th scope="col">Strategy</th>
                  <th scope="col">Targets (weight)</th>
                </tr>
              </thead>
              <tbody>
                {view.routes.map((route) => (
                  <tr key={route.name}>
                    <th scope="row">{route.name}</th>
                    <td>{route.strategy}</td>
                    <td>{route.targets.map((t) => `${t.target} (${t.weight})`).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {view.routes.length === 0 ? <p>No routes are configured.</p> : null}
          <section aria-labelledby="reload-title" className="reload">
            <h2 id="reload-title">Configuration</h2>
            <dl className="facts">
              {view.startedAt !== undefined ? (
                <div>
                  <dt>Started</dt>
                  <dd>{formatTime(view.startedAt)}</dd>
                </div>
              ) : null}
              <div>
                <dt>Last reload</dt>
                <dd>
                  {view.lastReload === undefined || view.lastReload === null ? (
                    "none since start"
                  ) : (
                    <>
                      {formatTime(view.lastReload.at)}{" "}
                      <span className={`badge badge-${view.lastReload.ok ? "good" : "bad"}`}>{view.lastReload.ok ? "applied" : "failed"}</span>
                      {view.lastReload.error !== undefined ? <span className="error-text"> {view.lastReload.error}</span> : null}
                      <div className="hint">
                        added: {view.lastReload.added.join(", ") || "none"}; removed: {view.lastReload.removed.join(", ") || "none"}; kept:{" "}
                        {view.lastReload.kept.join(", ") || "none"}
                      </div>
                    </>
                  )}
                </dd>
              </div>
            </dl>
          </section>
        </>
      )}
    </section>
  );
}
