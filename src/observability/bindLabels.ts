/**
 * A metric's children by label values, bound once each. prom-client hashes the label object (its keys sorted) on
 * every `inc({...})`/`observe({...})`; the request path records several series per request, so it looks the bound
 * child up by a key of its own instead. The label sets seen here are bounded by routes, engines and statuses.
 */
interface Labelled<Child, Labels> {
  labels(labels: Labels): Child;
}

export function bindLabels<Child, Labels>(metric: Labelled<Child, Labels>): (key: string, labels: () => Labels) => Child {
  const children = new Map<string, Child>();
  return (key, labels) => {
    let child = children.get(key);
    if (child === undefined) {
      child = metric.labels(labels());
      children.set(key, child);
    }
    return child;
  };
}
