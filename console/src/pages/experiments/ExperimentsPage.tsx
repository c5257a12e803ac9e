/** A/B experiments (GET /api/v2/ab) and the chosen one's results per variant, error rates with 95% intervals. */
import { useState } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { Experiment, ExperimentResults } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatCount, formatMs, formatPercent, formatTime } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { wilsonInterval } from "./wilsonInterval";

export function ExperimentsPage() {
  const { api } = useConsole();
  const list = useApiData((signal) => api.get<{ data: Experiment[] }>("/api/v2/ab", { signal }), [api]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const experiments = list.data?.data ?? [];
  const selected = experiments.find((e) => e.id === chosen) ?? experiments[0];

  return (
    <section className="page">
      <h1>Experiments</h1>
      <ErrorMessage error={list.error} />
      {list.data !== undefined && experiments.length === 0 ? <p>No experiments yet (POST /api/v2/ab creates one).</p> : null}
      {experiments.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Experiment</th>
                <th scope="col">Status</th>
                <th scope="col">Applies to</th>
                <th scope="col">Assigned by</th>
                <th scope="col">Variants (weight)</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((experiment) => (
                <tr key={experiment.id}>
                  <th scope="row">
                    <button type="button" className="link-button" aria-pressed={experiment.id === selected?.id} onClick={() => setChosen(experiment.id)}>
                      {experiment.name}
                    </button>
                  </th>
                  <td>
                    <span className={`badge badge-${experiment.status === "running" ? "good" : experiment.status === "paused" ? "warn" : "bad"}`}>{experiment.status}</span>
                  </td>
                  <td>{experiment.appliesTo}</td>
                  <td>{experiment.assignBy}</td>
                  <td>{experiment.variants.map((v) => `${v.name} (${v.weight})`).join(", ")}</td>
                  <td>{formatTime(experiment.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {selected !== undefined ? <Results experiment={selected} /> : null}
    </section>
  );
}

function Results({ experiment }: { experiment: Experiment }) {
  const { api } = useConsole();
  const path = `/api/v2/ab/${encodeURIComponent(experiment.id)}/results`;
  const results = useApiData((signal) => api.get<ExperimentResults>(path, { signal }), [api, path]);
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">Results: {experiment.name}</h2>
      <ErrorMessage error={results.error} />
      {results.data !== undefined ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Requests</th>
                <th scope="col">Errors</th>
                <th scope="col">Error rate (95% interval)</th>
                <th scope="col">Latency mean / p95</th>
                <th scope="col">TTFT mean / p95</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Feedback (count)</th>
              </tr>
            </thead>
            <tbody>
              {results.data.variants.map((v) => {
                const interval = wilsonInterval(v.errors, v.requests);
                return (
                  <tr key={v.variant}>
                    <th scope="row">{v.variant}</th>
                    <td>{formatCount(v.requests)}</td>
                    <td>{formatCount(v.errors)}</td>
                    <td>{interval === null ? "—" : `${formatPercent(v.errorRate)} (${formatPercent(interval.low)} – ${formatPercent(interval.high)})`}</td>
                    <td>
                      {formatMs(v.latencyMs.mean)} / {formatMs(v.latencyMs.p95)}
                    </td>
                    <td>
                      {formatMs(v.ttftMs.mean)} / {formatMs(v.ttftMs.p95)}
                    </td>
                    <td>
                      {formatCount(v.tokens.input)} / {formatCount(v.tokens.output)}
                    </td>
                    <td>{v.feedback.mean === null ? "—" : `${v.feedback.mean.toFixed(2)} (${v.feedback.count})`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
