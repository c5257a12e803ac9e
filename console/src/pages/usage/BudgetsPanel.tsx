/**
 * Budgets (everyone's for an admin, your own for a user) with how much of each is spent, and the chosen one's
 * burn-down over its window with lines where the gateway alerts.
 */
import { useState } from "react";
import { isAdmin, useConsole } from "../../app/ConsoleContext";
import { queryString } from "../../api/createApiClient";
import type { Budget, BudgetList, UsageSeries } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatPercent, formatTime, formatUsd } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { ChartCard } from "./ChartCard";
import { alertLines, burnDownRows, burnDownWindow } from "./burnDown";

const budgetKey = (budget: Budget) => `${budget.subject}:${budget.id}`;

export function BudgetsPanel() {
  const { api, session } = useConsole();
  const admin = isAdmin(session);
  const budgets = useApiData((signal) => api.get<BudgetList>(admin ? "/api/v2/admin/budgets" : "/api/v2/budgets", { signal }), [api, admin]);
  const list = budgets.data?.data ?? [];
  const [chosen, setChosen] = useState("");
  const budget = list.find((b) => budgetKey(b) === chosen) ?? list[0];

  return (
    <section className="budgets" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      <ErrorMessage error={budgets.error} />
      {list.length === 0 && !budgets.loading && budgets.error === undefined ? <p>No budgets are set.</p> : null}
      {list.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Budget</th>
                  <th scope="col">Window</th>
                  <th scope="col">Since</th>
                  <th scope="col">Spent</th>
                  <th scope="col">Of</th>
                  <th scope="col">Used</th>
                </tr>
              </thead>
              <tbody>
                {list.map((b) => (
                  <tr key={budgetKey(b)}>
                    <th scope="row">
                      {b.subject} {b.name ?? b.id}
                    </th>
                    <td>{b.window}</td>
                    <td>{formatTime(b.windowStart)}</td>
                    <td>{formatUsd(b.spentUsd)}</td>
                    <td>{formatUsd(b.budgetUsd)}</td>
                    <td>
                      <meter min={0} max={1} low={0.5} high={0.8} optimum={0} value={Math.min(1, b.spentUsd / b.budgetUsd)} aria-label={`${b.subject} ${b.name ?? b.id} budget used`} />{" "}
                      {formatPercent(b.spentUsd / b.budgetUsd)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="field inline-field">
            <label htmlFor="burn-down-budget">Burn-down of</label>
            <select id="burn-down-budget" value={budget === undefined ? "" : budgetKey(budget)} onChange={(e) => setChosen(e.target.value)}>
              {list.map((b) => (
                <option key={budgetKey(b)} value={budgetKey(b)}>
                  {b.subject} {b.name ?? b.id} ({b.window})
                </option>
              ))}
            </select>
          </div>
          {budget !== undefined ? <BurnDown budget={budget} alertAt={budgets.data?.alertAt ?? []} /> : null}
        </>
      ) : null}
    </section>
  );
}

function BurnDown({ budget, alertAt }: { budget: Budget; alertAt: number[] }) {
  const { api, session } = useConsole();
  const admin = isAdmin(session);
  const [now] = useState(() => Date.now());
  const span = burnDownWindow(budget, now);
  const filter = budget.subject === "key" ? { keyId: budget.id } : admin ? { userId: budget.id } : {};
  const path = `${admin ? "/api/v2/admin/usage/series" : "/api/v2/usage/series"}${queryString({ ...span, groupBy: "none", ...filter })}`;
  const series = useApiData((signal) => api.get<UsageSeries>(path, { signal }), [api, path]);
  const points = series.data?.series[0]?.points ?? [];
  const rows = burnDownRows(budget.budgetUsd, points, span.bucket);
  return (
    <>
      <ErrorMessage error={series.error} />
      <ChartCard
        title={`Budget burn-down: ${budget.subject} ${budget.name ?? budget.id}`}
        rows={rows}
        lines={[{ key: "remainingUsd", name: "remaining (USD)" }]}
        format={formatUsd}
        referenceLines={alertLines(budget.budgetUsd, alertAt).map((line) => ({ y: line.remainingUsd, label: line.label }))}
        empty={series.loading ? "Loading…" : "No spend in this window yet."}
      />
    </>
  );
}
