/**
 * The monitoring files stay true to the code: promtool accepts the alert rules and their unit tests pass; every
 * metric a dashboard or an alert queries is one the gateway exports (or one of the exporters scraped beside it);
 * the dashboards, the alerts and the runbook sections the alerts point at all exist.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { createMetrics } from "../../src/observability/createMetrics.js";

// dist/test/deploy/<this file> → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dashboardsDir = join(root, "deploy", "grafana", "dashboards");
const alertsFile = join(root, "deploy", "prometheus", "alerts.yml");
const alertTestsFile = join(root, "deploy", "prometheus", "alerts.test.yml");
const runbookFile = join(root, "docs", "runbooks", "troubleshooting.md");

const dashboards = ["overview", "engines", "database", "cache", "budgets"];
const alerts = [
  "GatewayDown",
  "GatewayHttpErrorRateHigh",
  "ChatStreamErrorRateHigh",
  "GatewayHttpLatencyHigh",
  "EngineTtftHigh",
  "CircuitBreakerOpen",
  "CacheHitRateLow",
  "StorePoolNearlyFull",
  "StoreSlowQueries",
  "RedisMemoryHigh",
  "BudgetNearlySpent",
  "SemanticCacheErrors",
  "GuardrailWebhookFailing",
  "ServerToolErrorRateHigh",
];

const run = promisify(execFile);

/** Runs promtool from the repository root; fails the test with promtool's own output when it fails. */
async function promtool(...args: string[]): Promise<void> {
  try {
    await run("promtool", args, { cwd: root });
  } catch (error) {
    const failure = (error ?? {}) as { code?: unknown; stdout?: string | Buffer; stderr?: string | Buffer };
    if (failure.code === "ENOENT") {
      assert.fail("promtool is not installed: install the Debian package prometheus (apt-get install -y prometheus)");
    }
    assert.fail(`promtool ${args.join(" ")} failed:\n${String(failure.stdout ?? "")}${String(failure.stderr ?? "")}`);
  }
}

test("promtool accepts the alert rules", async () => {
  await promtool("check", "rules", "deploy/prometheus/alerts.yml");
});

test("the alert rules pass their promtool unit tests", async () => {
  await promtool("test", "rules", "deploy/prometheus/alerts.test.yml");
});

// Everything in PromQL that looks like an identifier but is not a metric name.
const promqlWords = new Set(
  (
    "sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio " +
    "abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week day_of_year " +
    "days_in_month delta deriv exp floor histogram_avg histogram_count histogram_sum histogram_fraction " +
    "histogram_quantile histogram_stddev histogram_stdvar holt_winters double_exponential_smoothing hour idelta " +
    "increase irate label_join label_replace ln log2 log10 minute month predict_linear rate resets round scalar " +
    "sgn sort sort_desc sort_by_label sort_by_label_desc sqrt time timestamp vector year avg_over_time " +
    "min_over_time max_over_time sum_over_time count_over_time quantile_over_time stddev_over_time " +
    "stdvar_over_time last_over_time present_over_time mad_over_time acos acosh asin asinh atan atanh cos cosh " +
    "sin sinh tan tanh deg rad pi " +
    "by without on ignoring group_left group_right and or unless offset bool atan2 inf nan start end"
  ).split(" "),
);

/** The metric names a PromQL expression (Grafana variables allowed) reads, in order of appearance. */
function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ") // strings (regexes may hold anything)
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // label lists
    .replace(/\$\{[^}]*\}|\$\w+/g, " "); // Grafana variables
  const names: string[] = [];
  // Numbers and durations are matched first so that `1e3` or `5m` never yield an identifier.
  for (const match of bare.matchAll(/0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*|([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, word, call] = match;
    if (word === undefined || call !== undefined || promqlWords.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

test("the PromQL reader finds metric names and nothing else", () => {
  assert.deepEqual(
    metricNamesOf(
      'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!~"/v1/(chat|x)"}[5m]))) ' +
        "> 2e-1 and on (instance) up == 1 or max without (state) (store_pool_connections offset 1h) * 3600",
    ),
    ["http_request_duration_seconds_bucket", "up", "store_pool_connections"],
  );
  assert.deepEqual(metricNamesOf('sum(increase(x_total{engine=~"$engine"}[$__range])) / ignoring(state) group_left y'), ["x_total", "y"]);
});

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function recordsIn(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function readDashboard(name: string): Json {
  const parsed: unknown = JSON.parse(readFileSync(join(dashboardsDir, `${name}.json`), "utf8"));
  assert.ok(isRecord(parsed), `${name}.json is a JSON object`);
  return parsed;
}

/** Every panel, rows' nested panels included. */
function panelsOf(dashboard: Json): Json[] {
  return recordsIn(dashboard.panels).flatMap((panel) => [panel, ...recordsIn(panel.panels)]);
}

/** PromQL of every panel target, and the metrics named by `label_values(metric, label)` variable queries. */
function dashboardQueries(dashboard: Json): { exprs: string[]; variableMetrics: string[] } {
  const exprs = panelsOf(dashboard)
    .flatMap((panel) => recordsIn(panel.targets))
    .flatMap((target) => (typeof target.expr === "string" ? [target.expr] : []));
  const variableMetrics = recordsIn(isRecord(dashboard.templating) ? dashboard.templating.list : []).flatMap((variable) => {
    const query = isRecord(variable.query) ? variable.query.query : variable.query;
    const metric = typeof query === "string" ? /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(query)?.[1] : undefined;
    return metric === undefined ? [] : [metric];
  });
  return { exprs, variableMetrics };
}

function readYaml(file: string): Json {
  const parsed: unknown = parse(readFileSync(file, "utf8"));
  assert.ok(isRecord(parsed), `${file} is a YAML mapping`);
  return parsed;
}

function alertRules(): Json[] {
  return recordsIn(readYaml(alertsFile).groups).flatMap((group) => recordsIn(group.rules));
}

test("every dashboard exists, queries the prometheus datasource and has panels", () => {
  const files = readdirSync(dashboardsDir).filter((file) => file.endsWith(".json"));
  assert.deepEqual(files.sort(), dashboards.map((name) => `${name}.json`).sort());
  const uids = new Set<string>();
  for (const name of dashboards) {
    const dashboard = readDashboard(name);
    assert.equal(typeof dashboard.title, "string", `${name}: title`);
    assert.equal(typeof dashboard.uid, "string", `${name}: uid`);
    assert.ok(!uids.has(String(dashboard.uid)), `${name}: uid ${String(dashboard.uid)} is unique`);
    uids.add(String(dashboard.uid));
    assert.ok(typeof dashboard.schemaVersion === "number" && dashboard.schemaVersion >= 36, `${name}: schemaVersion`);
    const panels = panelsOf(dashboard);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, `${name}: panel ids are unique`);
    const queried = panels.filter((panel) => recordsIn(panel.targets).length > 0);
    assert.ok(queried.length >= 5, `${name}: at least 5 panels with queries (has ${queried.length})`);
    for (const panel of queried) {
      const title = String(panel.title);
      assert.ok(title.length > 0, `${name}: every panel has a title`);
      for (const target of recordsIn(panel.targets)) {
        const source = isRecord(target.datasource) ? target.datasource : panel.datasource;
        assert.ok(isRecord(source) && source.uid === "prometheus", `${name} / ${title}: datasource uid prometheus`);
        assert.ok(typeof target.expr === "string" && target.expr.trim().length > 0, `${name} / ${title}: a PromQL expr`);
      }
    }
  }
});

test("every metric the dashboards and alerts query is exported by the gateway or a scraped exporter", async () => {
  const exported = new Map<string, string>();
  // prom-client declares MetricType as a numeric enum, but at runtime `type` is the type's name ("histogram").
  for (const metric of await createMetrics().registry.getMetricsAsJSON()) exported.set(metric.name, String(metric.type));
  const isKnown = (name: string): boolean => {
    if (exported.has(name) || name === "up" || /^(?:pg|redis)_/.test(name)) return true;
    const series = /^(.+)_(?:bucket|sum|count)$/.exec(name);
    const type = series ? exported.get(series[1] as string) : undefined;
    return type === "histogram" || type === "summary";
  };

  const unknown: string[] = [];
  const check = (where: string, exprs: string[], extraMetrics: string[] = []) => {
    for (const expr of exprs) {
      const names = metricNamesOf(expr);
      assert.ok(names.length > 0, `${where}: no metric found in ${expr}`);
      unknown.push(...names.filter((name) => !isKnown(name)).map((name) => `${where}: ${name}`));
    }
    unknown.push(...extraMetrics.filter((name) => !isKnown(name)).map((name) => `${where} (variable): ${name}`));
  };
  for (const name of dashboards) {
    const { exprs, variableMetrics } = dashboardQueries(readDashboard(name));
    check(`${name}.json`, exprs, variableMetrics);
  }
  check("alerts.yml", alertRules().map((rule) => String(rule.expr)));
  assert.deepEqual(unknown, [], "metrics neither exported by createMetrics() nor pg_*, redis_* or up");
});

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add((heading[1] as string).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-"));
  }
  return anchors;
}

test("every alert exists with a duration, a severity, annotations and a runbook section", () => {
  const rules = alertRules();
  const anchors = anchorsOf(readFileSync(runbookFile, "utf8"));
  assert.deepEqual(rules.map((rule) => rule.alert).sort(), [...alerts].sort());
  for (const rule of rules) {
    const name = String(rule.alert);
    const labels = isRecord(rule.labels) ? rule.labels : {};
    const annotations = isRecord(rule.annotations) ? rule.annotations : {};
    assert.match(String(rule.for), /^\d+[smh]$/, `${name}: for`);
    assert.ok(["critical", "warning", "info"].includes(String(labels.severity)), `${name}: severity label`);
    assert.ok(typeof annotations.summary === "string" && annotations.summary.length > 0, `${name}: summary`);
    assert.ok(typeof annotations.description === "string" && annotations.description.length > 0, `${name}: description`);
    const runbook = /^docs\/runbooks\/troubleshooting\.md#([\w-]+)$/.exec(String(annotations.runbook_url));
    assert.ok(runbook, `${name}: runbook_url points into docs/runbooks/troubleshooting.md`);
    assert.ok(anchors.has(runbook[1] as string), `${name}: troubleshooting.md has a section #${runbook[1]}`);
  }
});

test("every alert has a unit test where it fires and one where it stays quiet", () => {
  const cases = recordsIn(readYaml(alertTestsFile).tests).flatMap((group) => recordsIn(group.alert_rule_test));
  for (const name of alerts) {
    const own = cases.filter((testCase) => testCase.alertname === name);
    assert.ok(own.some((testCase) => recordsIn(testCase.exp_alerts).length > 0), `${name}: a firing case`);
    assert.ok(own.some((testCase) => Array.isArray(testCase.exp_alerts) && testCase.exp_alerts.length === 0), `${name}: a quiet case`);
  }
});
