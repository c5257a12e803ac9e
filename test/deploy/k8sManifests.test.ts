/**
 * deploy/k8s, checked offline: every manifest validates against the Kubernetes OpenAPI schemas
 * (kubernetes-models), and the manifests agree with the code they deploy — the ConfigMap's configuration loads
 * through the real loader with the environment the Deployment gives it, the probe paths and the scrape path are
 * routes of a live gateway, the grace period covers the drain, and the HPA's custom metric is one the gateway
 * exports. The backup CronJob runs the backup CLI on the Deployment's configuration, and its script, run here,
 * writes a backup and prunes old ones.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments, stringify } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service, type IContainer, type IProbe } from "kubernetes-models/v1";
import { configSchema, type Config } from "../../src/config/schema.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { isRecord } from "../../src/isRecord.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";

// dist/test/deploy/<this file> → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const k8sDir = join(root, "deploy", "k8s", "base");

interface ModelClass<T> {
  apiVersion: string;
  kind: string;
  new (data: T): { validate(): void };
}

/** A kind's schema check for a parsed document (validate() throws, naming the offending fields). */
function schemaOf<T>(Model: ModelClass<T>): { apiVersion: string; kind: string; validate(doc: unknown): void } {
  // The cast only gets the document into the model; validate() is what checks it.
  return { apiVersion: Model.apiVersion, kind: Model.kind, validate: (doc) => new Model(doc as T).validate() };
}

/** Every kind deploy/k8s may hold. */
const kinds = [
  schemaOf(Deployment),
  schemaOf(Service),
  schemaOf(ConfigMap),
  schemaOf(Secret),
  schemaOf(HorizontalPodAutoscaler),
  schemaOf(PodDisruptionBudget),
  schemaOf(CronJob),
  schemaOf(PersistentVolumeClaim),
];

/** Every YAML document of every manifest file (kustomization.yaml is kustomize's, not the cluster's). */
function manifests(): Array<{ file: string; doc: Record<string, unknown> }> {
  const found: Array<{ file: string; doc: Record<string, unknown> }> = [];
  for (const file of readdirSync(k8sDir).filter((name) => /\.ya?ml$/.test(name) && name !== "kustomization.yaml").sort()) {
    for (const document of parseAllDocuments(readFileSync(join(k8sDir, file), "utf8"))) {
      assert.deepEqual(document.errors, [], `${file} parses`);
      const doc: unknown = document.toJS();
      if (doc === null) continue;
      assert.ok(isRecord(doc), `${file}: a mapping`);
      found.push({ file, doc });
    }
  }
  return found;
}

/** The one document of `file`, checked to be `Model`'s kind and validated against its schema. */
function load<T>(file: string, Model: ModelClass<T>): NonNullable<T> {
  const docs = manifests().filter((manifest) => manifest.file === file);
  assert.equal(docs.length, 1, `${file} holds one document`);
  const doc = docs[0]?.doc;
  assert.equal(doc?.apiVersion, Model.apiVersion, `${file}: apiVersion`);
  assert.equal(doc?.kind, Model.kind, `${file}: kind`);
  // The schema check just below is what makes this cast true.
  const data = doc as NonNullable<T>;
  new Model(data).validate();
  return data;
}

function defined<T>(value: T | undefined | null, what: string): T {
  assert.ok(value !== undefined && value !== null, `${what} is set`);
  return value;
}

const deployment = load("deployment.yaml", Deployment);
const service = load("service.yaml", Service);
const hpa = load("hpa.yaml", HorizontalPodAutoscaler);
const pdb = load("pdb.yaml", PodDisruptionBudget);
const configMap = load("configmap.yaml", ConfigMap);
const secret = load("secret.example.yaml", Secret);
const backupCronJob = load("backup-cronjob.yaml", CronJob);
const backupPvc = load("backup-pvc.yaml", PersistentVolumeClaim);
const pod = defined(deployment.spec?.template.spec, "the pod template");
const container: IContainer = defined(pod.containers.find((c) => c.name === "switchyard") ?? pod.containers[0], "the switchyard container");
const podLabels = defined(deployment.spec?.template.metadata?.labels, "pod labels");

/** A probe's or Service's port, by number or by the container port's name. */
function containerPort(port: number | string): number {
  if (typeof port === "number") return port;
  return defined(container.ports?.find((p) => p.name === port)?.containerPort, `container port named ${port}`);
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** The environment a container starts with: literal values, and Secret keys filled from secret.example.yaml. */
function containerEnv(of: IContainer = container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const secretName = secret.metadata?.name;
  for (const variable of of.env ?? []) {
    if (variable.value !== undefined) {
      assert.doesNotMatch(variable.name, /KEY|TOKEN|PASSWORD|SECRET/i, `${variable.name} comes from a Secret, not a literal`);
      env[variable.name] = variable.value;
      continue;
    }
    const ref = defined(variable.valueFrom?.secretKeyRef, `${variable.name}: a value or a secretKeyRef`);
    assert.equal(ref.name, secretName, `${variable.name} reads the Secret that secret.example.yaml describes`);
    const value = secret.stringData?.[ref.key];
    if (value === undefined) assert.equal(ref.optional, true, `${ref.key} is in secret.example.yaml, or optional`);
    else env[variable.name] = value;
  }
  for (const source of of.envFrom ?? []) {
    if (source.secretRef) {
      assert.equal(source.secretRef.name, secretName, "envFrom reads the Secret that secret.example.yaml describes");
      Object.assign(env, secret.stringData);
    }
  }
  return env;
}

/** Where the container's configuration file is: --config in the arguments, else SWITCHYARD_CONFIG. */
function configPath(): string {
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const flag = args.findIndex((arg) => arg === "--config" || arg === "-c");
  if (flag >= 0) return defined(args[flag + 1], "the --config value");
  return defined(container.env?.find((variable) => variable.name === "SWITCHYARD_CONFIG")?.value, "SWITCHYARD_CONFIG");
}

function preStopSeconds(): number {
  const preStop = defined(container.lifecycle?.preStop, "lifecycle.preStop");
  if (preStop.sleep) return preStop.sleep.seconds;
  const command = defined(preStop.exec?.command, "a preStop command");
  assert.equal(command[0], "sleep");
  const seconds = Number(command[1]);
  assert.ok(Number.isFinite(seconds) && seconds > 0, "sleeps a few seconds");
  return seconds;
}

let gateway: TestGateway;
let config: Readonly<Config>;

before(async () => {
  gateway = await startGateway({});
  // The ConfigMap's file, loaded the way the container loads it: the real loader, the Deployment's environment.
  const dir = await mkdtemp(join(tmpdir(), "switchyard-k8s-"));
  try {
    const path = join(dir, "switchyard.yaml");
    await writeFile(path, configText());
    config = loadConfig({ path, env: containerEnv() }).config;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

after(async () => {
  await gateway?.stop();
});

function configText(): string {
  const path = configPath();
  const mount = defined(
    container.volumeMounts?.find((m) => (m.subPath ? m.mountPath === path : path.startsWith(`${m.mountPath}/`))),
    `a volume mounted at ${path}`,
  );
  const volume = defined(pod.volumes?.find((v) => v.name === mount.name), `volume ${mount.name}`);
  assert.equal(volume.configMap?.name, configMap.metadata?.name, "the configuration comes from configmap.yaml");
  const key = mount.subPath ?? path.slice(mount.mountPath.length + 1);
  return defined(configMap.data?.[key], `ConfigMap key ${key}`);
}

test("every manifest validates against its Kubernetes schema, and kustomization.yaml lists them", () => {
  const all = manifests();
  for (const { file, doc } of all) {
    const schema = kinds.find((kind) => kind.apiVersion === doc.apiVersion && kind.kind === doc.kind);
    assert.ok(schema, `${file}: ${String(doc.apiVersion)} ${String(doc.kind)} is a kind this test knows`);
    assert.doesNotThrow(() => schema.validate(doc), `${file} validates`);
  }
  const kustomization: unknown = parse(readFileSync(join(k8sDir, "kustomization.yaml"), "utf8"));
  assert.ok(isRecord(kustomization) && Array.isArray(kustomization.resources));
  const files = [...new Set(all.map((manifest) => manifest.file))];
  // The example Secret holds placeholders: applying it as it is would install known credentials.
  assert.deepEqual([...(kustomization.resources as unknown[])].sort(), files.filter((file) => file !== "secret.example.yaml").sort());
});

test("the ConfigMap's configuration passes the schema with the Deployment's environment", () => {
  const raw: unknown = parse(configText());
  assert.ok(isRecord(raw) && isRecord(raw.auth) && isRecord(raw.metrics));
  // Secrets stay in the Secret: the ConfigMap only names them.
  assert.equal(raw.auth.adminKey, "${SWITCHYARD_ADMIN_KEY}");
  assert.equal(raw.metrics.token, "${METRICS_TOKEN}");

  assert.equal(config.server.host, "0.0.0.0", "reachable from the Service");
  assert.notEqual(config.auth.mode, "none");
  assert.equal(config.auth.adminKey, secret.stringData?.SWITCHYARD_ADMIN_KEY);
  assert.equal(config.metrics.token, secret.stringData?.METRICS_TOKEN);
  assert.match(config.store.url, /^postgres(ql)?:\/\//, "replicas share PostgreSQL, not a SQLite file each");
  const vllm = config.engines.find((engine) => engine.type === "openai" && new URL(engine.baseUrl).hostname === "vllm");
  assert.ok(vllm, "an openai-type engine points at the vllm Service");
  assert.ok(config.routes.length > 0 && config.routing.default, "routes and a default route");
  // What this checks against: the same schema the app validates with, defaults filled in.
  assert.equal(configSchema.safeParse(config).success, true);
});

test("probes and the scrape path are routes of a live gateway", async () => {
  const probes: Record<string, IProbe | undefined> = {
    startup: container.startupProbe,
    liveness: container.livenessProbe,
    readiness: container.readinessProbe,
  };
  const expected = { startup: "/health/startup", liveness: "/health/live", readiness: "/health/ready" };
  for (const [name, path] of Object.entries(expected)) {
    const probe = defined(probes[name]?.httpGet, `${name}Probe.httpGet`);
    assert.equal(probe.path, path, `${name}Probe path`);
    assert.equal(containerPort(probe.port), config.server.port, `${name}Probe port is the one the server listens on`);
    const response = await fetch(`${gateway.url}${path}`);
    await response.text();
    assert.notEqual(response.status, 404, `${path} is a route`);
  }

  const annotations = defined(deployment.spec?.template.metadata?.annotations, "pod annotations");
  assert.equal(annotations["prometheus.io/scrape"], "true");
  assert.equal(Number(annotations["prometheus.io/port"]), config.server.port);
  const metrics = await fetch(`${gateway.url}${annotations["prometheus.io/path"] ?? "/metrics"}`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^# TYPE chat_streams_concurrent gauge$/m, "the HPA's metric is exported");
});

test("the grace period covers the preStop sleep and the whole drain", () => {
  const grace = defined(pod.terminationGracePeriodSeconds, "terminationGracePeriodSeconds");
  const sleep = preStopSeconds();
  assert.ok(sleep >= 2 && sleep <= 15, `a few seconds for endpoint removal to spread (${sleep})`);
  const defaultDrain = configSchema.parse({}).server.drainTimeoutMs;
  for (const drainMs of [defaultDrain, config.server.drainTimeoutMs]) {
    assert.ok(grace * 1000 > drainMs + sleep * 1000, `${grace} s > ${sleep} s + ${drainMs} ms`);
  }
});

test("the pod runs as the image's non-root user on a read-only root filesystem, with resources set", () => {
  const dockerUser = /^USER\s+(\d+)/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1];
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(String(container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser), dockerUser, "the Dockerfile's USER");
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  const resources = defined(container.resources, "resources");
  for (const name of ["cpu", "memory"]) {
    assert.ok(resources.requests?.[name] !== undefined, `requests.${name} (the HPA's utilization needs the cpu request)`);
    assert.ok(resources.limits?.[name] !== undefined, `limits.${name}`);
  }
});

test("the Service, HPA and PDB select and target the Deployment's pods", () => {
  assert.ok(matches(deployment.spec?.selector.matchLabels, podLabels), "the Deployment selects its own pods");
  assert.ok(matches(service.spec?.selector, podLabels), "the Service selects the pods");
  const servicePort = defined(service.spec?.ports?.[0], "a Service port");
  assert.equal(containerPort(defined(servicePort.targetPort, "targetPort")), defined(container.ports?.[0]?.containerPort, "containerPort"));
  assert.equal(containerPort(defined(servicePort.targetPort, "targetPort")), config.server.port);

  assert.equal(hpa.spec?.scaleTargetRef.kind, "Deployment");
  assert.equal(hpa.spec?.scaleTargetRef.name, deployment.metadata?.name);
  const metrics = hpa.spec?.metrics ?? [];
  assert.ok(metrics.some((m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization"));
  assert.ok(metrics.some((m) => m.type === "Pods" && m.pods?.metric.name === "chat_streams_concurrent"));
  assert.match(readFileSync(join(k8sDir, "hpa.yaml"), "utf8"), /prometheus-adapter/, "the HPA says what serves its Pods metric");

  assert.ok(matches(pdb.spec?.selector?.matchLabels, podLabels), "the PDB selects the pods");
  assert.equal(pdb.spec?.minAvailable, 1);
  // A PDB as large as the smallest replica count would block every node drain.
  assert.ok((hpa.spec?.minReplicas ?? 1) > 1, "at least two replicas, so one can always be evicted");
});

const backupPod = defined(backupCronJob.spec?.jobTemplate.spec?.template.spec, "the backup job's pod template");
const backupContainer: IContainer = defined(backupPod.containers[0], "the backup container");

/** The backup container's shell script: `sh -c SCRIPT`, with the script as the one argument. */
function backupScript(): string {
  assert.deepEqual(backupContainer.command, ["/bin/sh", "-c"], "a shell, for the timestamp and the pruning");
  assert.equal(backupContainer.args?.length, 1, "one script");
  return defined(backupContainer.args?.[0], "the script");
}

/** The volume a container mounts at `path` (or at a directory above it). */
function volumeAt(pod: typeof backupPod, of: IContainer, path: string) {
  const mount = defined(
    of.volumeMounts?.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`)),
    `a volume mounted at ${path}`,
  );
  return defined(pod.volumes?.find((v) => v.name === mount.name), `volume ${mount.name}`);
}

test("the backup CronJob runs the backup CLI hourly, one at a time, on the Deployment's configuration", async () => {
  const spec = defined(backupCronJob.spec, "the CronJob spec");
  const minute = /^(\d{1,2}) \* \* \* \*$/.exec(spec.schedule)?.[1];
  assert.ok(minute !== undefined && Number(minute) < 60, `hourly, for a recovery point objective of one hour (${spec.schedule})`);
  assert.equal(spec.concurrencyPolicy, "Forbid", "a slow backup is never overlapped");
  for (const limit of [spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit]) {
    assert.ok(limit !== undefined && limit >= 1 && limit <= 10, "finished jobs are kept, but not forever");
  }
  const deadline = defined(spec.jobTemplate.spec?.activeDeadlineSeconds, "activeDeadlineSeconds");
  assert.ok(deadline < 3600, "a stuck run ends before the next one is due");

  const script = backupScript();
  const run = defined(/^node (\S+) backup "?(\/backups\/switchyard-\$\(date [^)]*\)\.dump)"? --config (\S+)$/m.exec(script), `the backup command in:\n${script}`);
  const [, entry, , backupConfig] = run;
  const deploymentArgs = [...(container.command ?? []), ...(container.args ?? [])];
  assert.equal(entry, deploymentArgs[1], "the same CLI entry point as the Deployment's");
  assert.equal(backupConfig, configPath(), "the same configuration file as the Deployment");
  assert.equal(volumeAt(backupPod, backupContainer, configPath()).configMap?.name, configMap.metadata?.name, "mounted from configmap.yaml");
  assert.equal(volumeAt(backupPod, backupContainer, "/backups").persistentVolumeClaim?.claimName, backupPvc.metadata?.name, "backups go to backup-pvc.yaml");

  // The job's environment loads the ConfigMap's file (every ${VAR} it names is set), to the gateways' store.
  await withConfigFile(configText(), (path) => {
    const loaded = loadConfig({ path, env: containerEnv(backupContainer) }).config;
    assert.equal(loaded.store.url, config.store.url, "the store the gateways use");
  });
});

test("the backup pod runs as the image's non-root user and is never selected as a gateway pod", () => {
  assert.equal(backupPod.securityContext?.runAsNonRoot, true);
  assert.equal(backupPod.securityContext?.runAsUser ?? backupContainer.securityContext?.runAsUser, pod.securityContext?.runAsUser ?? container.securityContext?.runAsUser);
  assert.ok(backupPod.securityContext?.fsGroup !== undefined, "fsGroup, so the non-root user can write the backup volume");
  assert.equal(backupContainer.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(backupContainer.securityContext?.allowPrivilegeEscalation, false);
  assert.ok(backupContainer.resources?.limits?.memory !== undefined);
  assert.equal(backupPod.restartPolicy, "Never", "failed runs keep their pods (and logs); backoffLimit retries");
  const labels = defined(backupCronJob.spec?.jobTemplate.spec?.template.metadata?.labels, "backup pod labels");
  assert.equal(matches(service.spec?.selector, labels), false, "the Service does not send traffic to backup pods");
  assert.equal(matches(pdb.spec?.selector?.matchLabels, labels), false, "the PDB does not count backup pods");
  assert.equal(matches(deployment.spec?.selector.matchLabels, labels), false, "the Deployment does not adopt backup pods");
  assert.deepEqual(backupPvc.spec?.accessModes, ["ReadWriteOnce"]);
  assert.ok(backupPvc.spec?.resources?.requests?.storage !== undefined, "a size");
});

test("the CronJob's script, run here, writes a timestamped backup and prunes the expired ones", async () => {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-k8s-backup-"));
  try {
    const backups = join(dir, "backups");
    await mkdir(backups);
    // The live test gateway's SQLite store stands in for PostgreSQL: the script is the same for both.
    const localConfig = join(dir, "switchyard.yaml");
    await writeFile(localConfig, stringify({ store: { url: gateway.config.store.url } }));
    const days = Number(containerEnv(backupContainer).BACKUP_RETENTION_DAYS);
    assert.ok(days >= 1, "BACKUP_RETENTION_DAYS is set");
    const now = Date.now() / 1000;
    const files = {
      expired: ["switchyard-20000101T000000Z.dump", now - (days + 1) * 86_400],
      kept: ["switchyard-20000102T000000Z.dump", now - (days - 0.5) * 86_400],
      partial: [".switchyard-20000103T000000Z.dump.0123456789ab.tmp", now - 4 * 3600],
    } as const;
    for (const [name, mtime] of Object.values(files)) {
      await writeFile(join(backups, name), "old");
      await utimes(join(backups, name), mtime, mtime);
    }
    const script = backupScript().replaceAll("/backups", backups).replaceAll(configPath(), localConfig);
    // From the repository root, as from the image's WORKDIR: dist/src/cli.js is relative to both.
    const env = { ...process.env, ...containerEnv(backupContainer), PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
    await promisify(execFile)("/bin/sh", ["-c", script], { cwd: root, env });
    const left = (await readdir(backups)).sort();
    const made = left.filter((name) => /^switchyard-\d{8}T\d{6}Z\.dump$/.test(name) && name !== files.kept[0]);
    assert.equal(made.length, 1, `one new backup (${left.join(", ")})`);
    assert.deepEqual(left, [files.kept[0], made[0]].sort(), "the expired archive and the stale partial file are gone");
    const header = (await readFile(join(backups, made[0] ?? ""))).subarray(0, 15).toString("latin1");
    assert.equal(header, "SQLite format 3", "a backup of the store");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function withConfigFile(text: string, check: (path: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-k8s-"));
  try {
    const path = join(dir, "switchyard.yaml");
    await writeFile(path, text);
    check(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
