/** An engine's state at a glance: the breaker (closed is good) and whether the router may use it. Text, not only colour. */

export function breakerTone(state: string): "good" | "warn" | "bad" {
  if (state === "closed") return "good";
  if (state === "half-open") return "warn";
  return "bad";
}

export function BreakerBadge({ state }: { state: string }) {
  return <span className={`badge badge-${breakerTone(state)}`}>{state}</span>;
}

export function UsableBadge({ usable, reason }: { usable: boolean; reason?: string | undefined }) {
  return (
    <span className={`badge badge-${usable ? "good" : "bad"}`} title={reason}>
      {usable ? "usable" : "not usable"}
      {!usable && reason !== undefined ? <span className="visually-hidden">: {reason}</span> : null}
    </span>
  );
}
