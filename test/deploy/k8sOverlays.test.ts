/**
 * deploy/k8s/overlays, rendered offline by `kubectl kustomize` as `kubectl apply -k` would render them: every
 * object validates against its Kubernetes schema; the quickstart brings its own PostgreSQL (the major version of
 * the image's pg_dump) and Redis, behind Services the configuration names; production points at the managed
 * services the Secret names and pulls from a registry; each overlay's configuration passes Switchyard's schema
 * with the environment its pods get; and the Secret the overlay's comment tells a user to create holds every key
 * the pods require.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, PersistentVolumeClaim, Service, type IContainer, type IPodSpec } from "kubernetes-models/v1";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Config } from "../../src/config/schema.js";
import { imagePgDumpMajor } from "./imagePgDumpMajor.js";

const run = promisify(execFile);
// dist/test/deploy/<this file> → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const overlays = join(root, "deploy", "k8s", "overlays");

interface Rendered {
  docs: Array<Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } }>;
  /** The keys the overlay's own instructions put in the Secret (`--from-literal=KEY=`). */
  documentedSecretKeys: string[];
}

const schemas: Record<string, (doc: unknown) => void> = {
  Deployment: (doc) => new Deployment(doc as Deployment).validate(),
  StatefulSet: (doc) => new StatefulSet(doc as StatefulSet).validate(),
  Service: (doc) => new Service(doc as Service).validate(),
  ConfigMap: (doc) => new ConfigMap(doc as ConfigMap).validate(),
  CronJob: (doc) => new CronJob(doc as CronJob).validate(),
  HorizontalPodAutoscaler: (doc) => new HorizontalPodAutoscaler(doc as HorizontalPodAutoscaler).validate(),
  PodDisruptionBudget: (doc) => new PodDisruptionBudget(doc as PodDisruptionBudget).validate(),
  PersistentVolumeClaim: (doc) => new PersistentVolumeClaim(doc as PersistentVolumeClaim).validate(),
};

async function render(name: string): Promise<Rendered> {
  let stdout: string;
  try {
    ({ stdout } = await run("kubectl", ["kustomize", join(overlays, name)], { timeout: 60_000 }));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing ? "kubectl is not installed: these tests render the overlays with `kubectl kustomize` (Debian: apt-get install kubernetes-client; .ci/run installs it)" : String(error),
      { cause: error },
    );
  }
  const docs = parseAllDocuments(stdout).map((doc) => doc.toJSON() as Rendered["docs"][number]);
  const instructions = readFileSync(join(overlays, name, "kustomization.yaml"), "utf8");
  const documentedSecretKeys = [...instructions.matchAll(/--from-literal=([A-Z_]+)=/g)].map((match) => match[1] as string);
  return { docs, documentedSecretKeys };
}

const rendered: Record<string, Rendered> = {};
before(async () => {
  for (const name of ["quickstart", "production"]) rendered[name] = await render(name);
});

/** A rendered object by kind and name, typed as far as the caller reads it. */
function find<T = Record<string, unknown>>(r: Rendered, kind: string, name: string): T {
  const doc = r.docs.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  assert.ok(doc, `${kind}/${name} is rendered`);
  return doc as unknown as T;
}
const podOf = (doc: Record<string, unknown>): IPodSpec => {
  const spec = doc.spec as { template?: { spec: IPodSpec }; jobTemplate?: { spec: { template: { spec: IPodSpec } } } };
  const pod = spec.template?.spec ?? spec.jobTemplate?.spec.template.spec;
  assert.ok(pod);
  return pod;
};
const gatewayContainer = (r: Rendered): IContainer => {
  const container = podOf(find(r, "Deployment", "switchyard")).containers.find((c) => c.name === "switchyard");
  assert.ok(container);
  return container;
};

/** The Secret keys a pod cannot start without (non-optional secretKeyRefs). */
function requiredSecretKeys(r: Rendered): string[] {
  const keys = new Set<string>();
  for (const doc of r.docs.filter((d) => ["Deployment", "StatefulSet", "CronJob"].includes(d.kind))) {
    for (const container of podOf(doc).containers) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref && ref.optional !== true) keys.add(ref.key);
      }
    }
  }
  return [...keys].sort();
}

/** The rendered switchyard.yaml, loaded as the gateway loads it, with the environment the pod gets. */
async function configOf(r: Rendered, secret: Record<string, string>): Promise<Config> {
  const configMap = find<{ data?: Record<string, string> }>(r, "ConfigMap", "switchyard-config");
  const text = configMap.data?.["switchyard.yaml"];
  assert.ok(text, "switchyard-config holds switchyard.yaml");
  const env: Record<string, string> = { ...secret };
  for (const source of gatewayContainer(r).envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find<{ data: Record<string, string> }>(r, "ConfigMap", source.configMapRef.name ?? "").data);
  }
  const dir = await mkdtemp(join(tmpdir(), "switchyard-overlay-"));
  try {
    await writeFile(join(dir, "switchyard.yaml"), text);
    return loadConfig({ path: join(dir, "switchyard.yaml"), env }).config;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const secretValues = (keys: string[], overrides: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(keys.map((key) => [key, overrides[key] ?? `${key.toLowerCase()}-0123456789abcdef0123`]));

for (const name of ["quickstart", "production"]) {
  test(`${name}: every rendered object validates against its Kubernetes schema, in one namespace`, () => {
    const r = rendered[name] as Rendered;
    for (const doc of r.docs) {
      const validate = schemas[doc.kind];
      assert.ok(validate, `${doc.kind} is a kind this test knows`);
      assert.doesNotThrow(() => validate(doc), `${doc.kind}/${doc.metadata.name} validates`);
      assert.equal(doc.metadata.namespace, "switchyard", `${doc.kind}/${doc.metadata.name}`);
    }
    assert.ok(!r.docs.some((doc) => doc.kind === "Secret"), "no credentials are rendered: the Secret is the user's");
  });

  test(`${name}: the Secret its instructions create holds every key the pods require`, () => {
    const r = rendered[name] as Rendered;
    assert.ok(r.documentedSecretKeys.length > 0, "the kustomization's comment says how to create the Secret");
    for (const key of requiredSecretKeys(r)) assert.ok(r.documentedSecretKeys.includes(key), `${key} is required by a pod but not in the instructions`);
  });
}

test("quickstart: PostgreSQL and Redis in the cluster, behind the Services the configuration names", async () => {
  const r = rendered.quickstart as Rendered;
  const postgres = find(r, "StatefulSet", "postgres");
  const image = podOf(postgres).containers[0]?.image ?? "";
  assert.equal(Number(/^postgres:(\d+)/.exec(image)?.[1]), imagePgDumpMajor(root), "the backup CronJob's pg_dump can dump this server");
  assert.ok((postgres.spec as { volumeClaimTemplates?: unknown[] } | undefined)?.volumeClaimTemplates?.length, "the data lives on a volume");
  const config = await configOf(r, secretValues(r.documentedSecretKeys));
  const store = new URL(config.store.url);
  const redis = new URL(config.redis?.url ?? "");
  for (const [url, port] of [[store, 5432], [redis, 6379]] as const) {
    const service = find<{ spec: { ports: Array<{ port: number }> } }>(r, "Service", url.hostname);
    assert.ok(service.spec.ports.some((p) => p.port === port && Number(url.port || port) === port), `${url.hostname}:${port}`);
  }
  assert.equal(decodeURIComponent(store.password), secretValues(["POSTGRES_PASSWORD"]).POSTGRES_PASSWORD);
  const upstream = find<{ data: Record<string, string> }>(r, "ConfigMap", "switchyard-upstream");
  assert.deepEqual(config.engines.map((engine) => engine.type === "openai" && [engine.baseUrl, engine.models]), [[upstream.data.UPSTREAM_BASE_URL, [upstream.data.UPSTREAM_MODEL]]]);
  assert.equal(gatewayContainer(r).image, "switchyard:0.1.0", "the image `docker build -t switchyard:0.1.0 .` makes");
});

test("production: managed PostgreSQL and Redis from the Secret, the image from a registry", async () => {
  const r = rendered.production as Rendered;
  assert.ok(!r.docs.some((doc) => doc.kind === "StatefulSet"), "no database in the cluster");
  const config = await configOf(
    r,
    secretValues(r.documentedSecretKeys, { STORE_URL: "postgres://switchyard:pw@db.example.com:5432/switchyard?sslmode=require", REDIS_URL: "rediss://:pw@cache.example.com:6380" }),
  );
  assert.equal(config.store.url, "postgres://switchyard:pw@db.example.com:5432/switchyard?sslmode=require");
  assert.equal(config.redis?.url, "rediss://:pw@cache.example.com:6380");
  assert.deepEqual(requiredSecretKeys(r).filter((key) => key.endsWith("_URL")), ["REDIS_URL", "STORE_URL"]);
  for (const doc of r.docs.filter((d) => d.kind === "Deployment" || d.kind === "CronJob")) {
    for (const container of podOf(doc).containers) assert.match(container.image ?? "", /^registry\.example\.com\/switchyard:0\.1\.0$/, doc.metadata.name);
  }
});
