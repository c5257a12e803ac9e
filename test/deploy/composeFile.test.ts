/**
 * deploy/compose.yaml and the files it mounts, checked offline (no Docker engine here): the stack has every
 * service, every bind-mounted file exists, Switchyard's compose configuration loads through the real loader with
 * the environment compose gives it, and Prometheus, Alertmanager and Grafana point at one another by the compose
 * service names.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/loadConfig.js";
import { isRecord } from "../../src/isRecord.js";
import { imagePgDumpMajor } from "./imagePgDumpMajor.js";

// dist/test/deploy/<this file> → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const deployDir = join(root, "deploy");
const run = promisify(execFile);

type Doc = Record<string, unknown>;

function readYaml(path: string): Doc {
  const doc: unknown = parse(readFileSync(path, "utf8"));
  assert.ok(isRecord(doc), `${path} is a YAML mapping`);
  return doc;
}

function record(value: unknown, what: string): Doc {
  assert.ok(isRecord(value), `${what} is a mapping`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
}

const compose = readYaml(join(deployDir, "compose.yaml"));
const services = record(compose.services, "services");

function service(name: string): Doc {
  return record(services[name], `service ${name}`);
}

/**
 * A value as compose sees it with nothing set in the environment: `${VAR:-default}` and `${VAR-default}` give
 * their default, `$$` is a literal `$`. A variable without a default would make the stack depend on a .env file.
 */
function composeValue(value: unknown, what: string): string {
  assert.ok(typeof value === "string" || typeof value === "number" || typeof value === "boolean", `${what} is a scalar`);
  return String(value).replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)[^}]*)?\}/g, (match, name: string, dash?: string, fallback?: string) => {
    if (match === "$$") return "$";
    assert.ok(dash !== undefined, `${what}: \${${name}} needs a default for the stack to start without a .env file`);
    return fallback ?? "";
  });
}

function environmentOf(name: string): Record<string, string> {
  const environment = record(service(name).environment ?? {}, `${name}.environment`);
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, composeValue(value, `${name}.environment.${key}`)]));
}

interface Mount {
  service: string;
  /** Host path (resolved against deploy/) for a bind mount, the volume name otherwise. */
  source: string;
  target: string;
  bind: boolean;
}

function mountsOf(name: string): Mount[] {
  return list(service(name).volumes ?? [], `${name}.volumes`).map((entry) => {
    if (typeof entry === "string") {
      const [source = "", target = ""] = entry.split(":");
      const bind = /^[./~]/.test(source);
      return { service: name, source: bind ? resolve(deployDir, source) : source, target, bind };
    }
    const long = record(entry, `${name}.volumes[]`);
    const bind = long.type === "bind";
    return { service: name, source: bind ? resolve(deployDir, String(long.source)) : String(long.source), target: String(long.target), bind };
  });
}

/** The host file or directory mounted at `target` in `name`. */
function hostPathOf(name: string, target: string): string {
  const mount = mountsOf(name).find((m) => m.bind && m.target === target);
  assert.ok(mount, `${name} bind-mounts something at ${target}`);
  return mount.source;
}

async function check(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd: root });
  } catch (error) {
    const failure = (error ?? {}) as { stdout?: string | Buffer; stderr?: string | Buffer; code?: unknown };
    if (failure.code === "ENOENT") {
      const debianPackage: Record<string, string> = { promtool: "prometheus", amtool: "prometheus-alertmanager" };
      assert.fail(`${command} is not installed: apt-get install -y ${debianPackage[command] ?? command} (.ci/run installs it)`);
    }
    assert.fail(`${command} ${args.join(" ")} failed:\n${String(failure.stdout ?? "")}${String(failure.stderr ?? "")}`);
  }
}

const prometheusConfig = readYaml(hostPathOf("prometheus", "/etc/prometheus/prometheus.yml"));
const scrapeConfigs = list(prometheusConfig.scrape_configs, "scrape_configs").map((entry) => record(entry, "a scrape config"));

/** host:port targets of every static config of a job. */
function targetsOf(job: Doc): Array<{ host: string; port: number }> {
  return list(job.static_configs ?? [], "static_configs").flatMap((entry) =>
    list(record(entry, "a static config").targets, "targets").map((target) => {
      const [host = "", port = ""] = String(target).split(":");
      return { host, port: Number(port) };
    }),
  );
}

function publishedContainerPorts(name: string): number[] {
  return list(service(name).ports ?? [], `${name}.ports`).map((entry) => Number(String(entry).split(":").at(-1)?.split("/")[0]));
}

test("the stack has every service, on the expected images", () => {
  const images: Record<string, RegExp> = {
    // The major version of the pg_dump in the gateway's image, so `switchyard backup` can dump it.
    postgres: new RegExp(`^postgres:${imagePgDumpMajor(root)}(\\b|$)`),
    redis: /^redis:7(\b|$)/,
    "postgres-exporter": /^prometheuscommunity\/postgres-exporter(:|$)/,
    "redis-exporter": /^oliver006\/redis_exporter(:|$)/,
    prometheus: /^prom\/prometheus(:|$)/,
    grafana: /^grafana\/grafana(:|$)/,
    alertmanager: /^prom\/alertmanager(:|$)/,
  };
  for (const [name, image] of Object.entries(images)) assert.match(String(service(name).image), image, `${name} image`);

  const build = record(service("switchyard").build, "switchyard.build");
  const context = resolve(deployDir, String(build.context));
  assert.equal(context, resolve(root), "built from the repository root");
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a YAML scalar; anything else names no file and fails the check
  assert.ok(existsSync(join(context, String(build.dockerfile ?? "Dockerfile"))), "from the repository's Dockerfile");
});

test("every bind-mounted host path exists, and every named volume is declared", () => {
  const declared = Object.keys(record(compose.volumes ?? {}, "volumes"));
  const mounts = Object.keys(services).flatMap(mountsOf);
  assert.ok(mounts.some((m) => m.bind));
  for (const mount of mounts) {
    if (mount.bind) assert.ok(existsSync(mount.source), `${mount.service}: ${mount.source} exists (mounted at ${mount.target})`);
    else assert.ok(declared.includes(mount.source), `${mount.service}: volume ${mount.source} is declared`);
  }
});

test("Switchyard's compose configuration loads with the environment compose gives it", () => {
  const env = environmentOf("switchyard");
  const configFile = hostPathOf("switchyard", defined(env.SWITCHYARD_CONFIG, "SWITCHYARD_CONFIG"));
  assert.equal(configFile, join(deployDir, "switchyard.compose.yaml"));
  const { config } = loadConfig({ path: configFile, env });

  assert.notEqual(config.auth.mode, "none");
  assert.ok(publishedContainerPorts("switchyard").includes(config.server.port), "the published port is the one it listens on");
  const store = new URL(config.store.url);
  assert.ok(/^postgres(ql)?:$/.test(store.protocol) && store.hostname in services, "the store is the compose PostgreSQL");
  const postgres = environmentOf(store.hostname);
  assert.equal(decodeURIComponent(store.username), postgres.POSTGRES_USER);
  assert.equal(decodeURIComponent(store.password), postgres.POSTGRES_PASSWORD);
  assert.equal(store.pathname.slice(1), postgres.POSTGRES_DB);
  const dependsOn = service("switchyard").depends_on;
  assert.ok(isRecord(dependsOn) && store.hostname in dependsOn, "starts after PostgreSQL");

  const job = scrapeConfigs.find((c) => c.job_name === "switchyard");
  assert.ok(job, "Prometheus scrapes Switchyard");
  const authorization = record(job.authorization, "the switchyard job's authorization");
  assert.equal(authorization.credentials, config.metrics.token, "with Switchyard's metrics token");
  assert.equal(job.metrics_path ?? "/metrics", "/metrics");
  assert.deepEqual(targetsOf(job), [{ host: "switchyard", port: config.server.port }]);

  const grace = /^(\d+)s$/.exec(String(service("switchyard").stop_grace_period));
  assert.ok(grace && Number(grace[1]) * 1000 > config.server.drainTimeoutMs, "docker stop waits out the drain");
});

test("prometheus.yml: rule files are mounted beside it, targets are compose services, jobs are the ones alerts expect", () => {
  const configDir = posix.dirname("/etc/prometheus/prometheus.yml");
  const ruleFiles = list(prometheusConfig.rule_files, "rule_files").map(String);
  assert.deepEqual(ruleFiles, ["alerts.yml"]);
  for (const file of ruleFiles) {
    assert.equal(hostPathOf("prometheus", posix.resolve(configDir, file)), join(deployDir, "prometheus", file));
  }

  for (const job of scrapeConfigs) {
    for (const { host, port } of targetsOf(job)) {
      assert.ok(host === "localhost" || host in services, `${String(job.job_name)}: ${host} is a compose service`);
      assert.ok(Number.isInteger(port) && port > 0, `${String(job.job_name)}: ${host} has a port`);
    }
  }
  // The job names the alert rules and their unit tests use (up{job="postgres"}, redis_*{job="redis"}).
  const jobTargets: Record<string, string> = { switchyard: "switchyard", postgres: "postgres-exporter", redis: "redis-exporter" };
  for (const [name, host] of Object.entries(jobTargets)) {
    const job = scrapeConfigs.find((c) => c.job_name === name);
    assert.ok(job, `a scrape job named ${name}`);
    assert.deepEqual(targetsOf(job).map((target) => target.host), [host], `job ${name} scrapes ${host}`);
  }

  const alerting = record(prometheusConfig.alerting, "alerting");
  const alertmanagers = list(alerting.alertmanagers, "alertmanagers").map((entry) => record(entry, "an alertmanager"));
  assert.deepEqual(alertmanagers.flatMap(targetsOf), [{ host: "alertmanager", port: 9093 }]);

  const jobs = new Set(scrapeConfigs.map((c) => c.job_name));
  const alerts = readFileSync(join(deployDir, "prometheus", "alerts.yml"), "utf8");
  const expected = new Set([...alerts.matchAll(/\bjob="([^"]+)"/g)].map((m) => m[1]));
  assert.ok(expected.size > 0, "alerts.yml selects jobs by name");
  for (const name of expected) assert.ok(jobs.has(name), `alerts.yml expects a scrape job "${String(name)}"`);
});

// promtool and amtool come from the Debian packages prometheus and prometheus-alertmanager (.ci/run installs them).
test("promtool accepts prometheus.yml and the rules it loads", async () => {
  await check("promtool", ["check", "config", hostPathOf("prometheus", "/etc/prometheus/prometheus.yml")]);
});

test("alertmanager.yml: the route's receivers exist and post to a webhook", () => {
  const config = readYaml(hostPathOf("alertmanager", "/etc/alertmanager/alertmanager.yml"));
  const receivers = list(config.receivers, "receivers").map((entry) => record(entry, "a receiver"));
  const names = new Set(receivers.map((receiver) => receiver.name));
  const routes = [record(config.route, "route")];
  for (let route = routes.pop(); route; route = routes.pop()) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a YAML scalar; only a failure's message shows it
    if (route.receiver !== undefined) assert.ok(names.has(route.receiver), `receiver ${String(route.receiver)} is defined`);
    routes.push(...list(route.routes ?? [], "routes").map((child) => record(child, "a child route")));
  }
  assert.ok(record(config.route, "route").receiver, "the root route has a receiver");
  const webhooks = receivers.flatMap((receiver) => list(receiver.webhook_configs ?? [], "webhook_configs").map((w) => record(w, "a webhook")));
  assert.ok(webhooks.length > 0, "a webhook receiver");
  for (const webhook of webhooks) assert.doesNotThrow(() => new URL(String(webhook.url)), `${String(webhook.url)} is a URL`);
});

test("amtool accepts alertmanager.yml", async () => {
  await check("amtool", ["check-config", hostPathOf("alertmanager", "/etc/alertmanager/alertmanager.yml")]);
});

test("Grafana provisions the Prometheus datasource and the mounted dashboards", () => {
  const provisioning = hostPathOf("grafana", "/etc/grafana/provisioning");
  const datasources = list(readYaml(join(provisioning, "datasources", "prometheus.yaml")).datasources, "datasources").map((d) => record(d, "a datasource"));
  const prometheus = datasources.find((d) => d.type === "prometheus");
  assert.ok(prometheus, "a prometheus datasource");
  const url = new URL(String(prometheus.url));
  assert.equal(url.hostname, "prometheus");
  assert.ok(publishedContainerPorts("prometheus").includes(Number(url.port)), "on Prometheus' port");

  const providers = list(readYaml(join(provisioning, "dashboards", "dashboards.yaml")).providers, "providers").map((p) => record(p, "a provider"));
  const file = providers.find((p) => p.type === "file");
  assert.ok(file, "a file provider");
  const dashboardsDir = hostPathOf("grafana", String(record(file.options, "provider options").path));
  assert.equal(dashboardsDir, join(deployDir, "grafana", "dashboards"));
  assert.ok(statSync(dashboardsDir).isDirectory());

  // The dashboards name their datasource by uid: each one they use must be provisioned.
  const uids = new Set(datasources.map((d) => d.uid));
  const dashboards = readdirSync(dashboardsDir).filter((name) => name.endsWith(".json"));
  assert.ok(dashboards.length > 0, "dashboards to load");
  for (const name of dashboards) {
    for (const uid of prometheusUids(JSON.parse(readFileSync(join(dashboardsDir, name), "utf8")))) {
      assert.ok(uids.has(uid), `${name} uses datasource uid ${uid}`);
    }
  }
});

/** Every `datasource: { type: "prometheus", uid }` in a dashboard, template variables left out. */
function prometheusUids(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(prometheusUids);
  if (!isRecord(node)) return [];
  const own = isRecord(node.datasource) && node.datasource.type === "prometheus" && typeof node.datasource.uid === "string" && !node.datasource.uid.startsWith("$") ? [node.datasource.uid] : [];
  return [...own, ...Object.values(node).flatMap(prometheusUids)];
}

function defined<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `${what} is set`);
  return value;
}
