/** One request from the log, with its prompt and answer when the operator logs bodies (requestLog.bodies). */
import { isAdmin, useConsole } from "../../app/ConsoleContext";
import type { RequestDetail } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatCount, formatMs, formatTime, formatUsd } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { Link } from "../../router/Link";
import { requestDetailPath } from "./requestQuery";

export function RequestDetailView({ requestId }: { requestId: string }) {
  const { api, session } = useConsole();
  const path = requestDetailPath(requestId, isAdmin(session));
  const detail = useApiData((signal) => api.get<RequestDetail>(path, { signal }), [api, path]);
  const data = detail.data;
  const request = data?.request;
  return (
    <section className="page">
      <p>
        <Link to="requests">← All requests</Link>
      </p>
      <h1>Request {requestId}</h1>
      <ErrorMessage error={detail.error} />
      {detail.loading && data === undefined ? <p role="status">Loading…</p> : null}
      {request !== undefined ? (
        <dl className="facts">
          {(
            [
              ["Time", formatTime(request.createdAt)],
              ["Trace id", request.traceId],
              ["User", request.userId],
              ["Key", request.keyId ?? "—"],
              ["Route", request.route ?? "—"],
              ["Engine", request.engine ?? "—"],
              ["Model", request.model ?? "—"],
              ["Status", request.errorCode === null ? request.status : `${request.status} (${request.errorCode})`],
              ["Input tokens", `${formatCount(request.inputTokens)} (${formatCount(request.cachedInputTokens)} cached)`],
              ["Output tokens", `${formatCount(request.outputTokens)} (${formatCount(request.reasoningTokens)} reasoning)`],
              ["Cost", `${formatUsd(request.costUsd)}${request.estimated ? " (estimated)" : ""}`],
              ["Latency", formatMs(request.latencyMs)],
              ["Time to first token", formatMs(request.ttftMs)],
            ] as const
          ).map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {data !== undefined ? (
        data.bodies !== null ? (
          <>
            <h2>Prompt</h2>
            <pre className="body">{JSON.stringify(data.bodies.request, null, 2)}</pre>
            <h2>Answer</h2>
            <pre className="body">{data.bodies.answer}</pre>
            {data.bodies.truncated ? <p className="hint">The bodies were cut to the logging limit.</p> : null}
          </>
        ) : data.bodiesLogged ? (
          <p>No bodies were kept for this request.</p>
        ) : (
          <p>Body logging is off: the gateway keeps no prompts or answers (requestLog.bodies).</p>
        )
      ) : null}
    </section>
  );
}
