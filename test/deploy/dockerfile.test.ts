/**
 * The Dockerfile cannot be built here (no Docker engine), so it is read instead: the stages, what each runs and
 * copies, the user, the port and the command are checked against the project itself (package.json, the config
 * schema and loader), and the HEALTHCHECK command is run for real against a live gateway.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { configSchema } from "../../src/config/schema.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";

// dist/test/deploy/<this file> → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions grouped by stage, with line continuations joined and comments dropped (as Docker does). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = "";
  }
  if (pending) logical.push(pending.trim());
  const stages: Stage[] = [];
  for (const line of logical) {
    if (line === "") continue;
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? "" : line.slice(space).trim();
    if (keyword === "FROM") {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      assert.ok(match?.[1], `cannot read FROM ${args}`);
      stages.push({ image: match[1], name: match[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    assert.ok(stage, `${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** ENV in both forms: `ENV A=1 B=2` and the legacy `ENV A 1`. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== "ENV") continue;
    if (!args.includes("=")) {
      const [name, ...value] = args.split(/\s+/);
      if (name) env[name] = value.join(" ");
      continue;
    }
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const [, name, value = ""] = match;
      if (name) env[name] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    }
  }
  return env;
}

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** The exec (JSON) form of CMD / HEALTHCHECK CMD, which runs without a shell. */
function execForm(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  assert.ok(Array.isArray(parsed) && parsed.every((part) => typeof part === "string"), `not an exec form: ${text}`);
  return parsed;
}

/** The position of the first instruction for which `match` holds, or -1. */
function indexOf(stage: Stage, match: (instruction: Instruction) => boolean): number {
  return stage.instructions.findIndex(match);
}

const stages = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
const build = stages[0];
const runtime = stages.at(-1);
const defaultPort = configSchema.parse({}).server.port;
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

test("two stages: a named build stage and a slim node 24 runtime", () => {
  assert.ok(stages.length >= 2, "multi-stage");
  assert.ok(build?.name, "the build stage is named, so the runtime stage copies from it by name");
  assert.equal(runtime?.image, "node:24-bookworm-slim");
  assert.match(build.image, /^node:24-bookworm(@|$)/, "the build stage uses the same Debian release, so native addons load at runtime");
});

test("the build stage installs with npm ci (no llama.cpp download), builds, then drops dev dependencies", () => {
  assert.ok(build);
  const runs = all(build, "RUN");
  const skip = envOf(build).NODE_LLAMA_CPP_SKIP_DOWNLOAD ?? (runs.some((run) => /NODE_LLAMA_CPP_SKIP_DOWNLOAD=true\s+npm ci/.test(run)) ? "true" : undefined);
  assert.equal(skip, "true");

  const ci = indexOf(build, (i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
  const compile = indexOf(build, (i) => i.keyword === "RUN" && /\bnpm run build\b/.test(i.args));
  const prune = indexOf(build, (i) => i.keyword === "RUN" && /\bnpm prune\b[^&;]*--omit=dev/.test(i.args));
  assert.ok(ci >= 0 && compile >= 0 && prune >= 0, "npm ci, npm run build and npm prune --omit=dev all run");
  assert.ok(ci <= compile && compile <= prune, "in that order");

  const copiesLock = indexOf(build, (i) => i.keyword === "COPY" && /\bpackage-lock\.json\b/.test(i.args));
  const copiesNpmrc = indexOf(build, (i) => i.keyword === "COPY" && /(^|\s)\.npmrc\b/.test(i.args));
  const copiesSrc = indexOf(build, (i) => i.keyword === "COPY" && /(^|\s)src\b/.test(i.args));
  assert.ok(copiesLock >= 0 && copiesLock < ci, "the lockfile is in place before npm ci");
  assert.ok(copiesNpmrc >= 0 && copiesNpmrc < ci, ".npmrc (omit optional GPU builds) is in place before npm ci");
  assert.ok(copiesSrc > ci && copiesSrc < compile, "sources are copied after the dependency layer and before the build");

  // --ignore-scripts would also skip the native builds: every package the project allows scripts for is rebuilt.
  const ciLine = build.instructions[ci]?.args ?? "";
  if (/--ignore-scripts/.test(ciLine)) {
    const rebuilt = runs.flatMap((run) => [...run.matchAll(/npm rebuild ([^&;]+)/g)].flatMap((m) => (m[1] ?? "").trim().split(/\s+/)));
    for (const name of Object.keys(packageJson.allowScripts ?? {})) {
      assert.ok(rebuilt.includes(name), `${name} is rebuilt after npm ci --ignore-scripts`);
    }
  }
});

test("every file the build copies from the context exists and is not excluded by .dockerignore", () => {
  assert.ok(build);
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (const required of ["node_modules", "dist", "data", "models", ".git", "coverage"]) {
    assert.ok(ignored.includes(required), `.dockerignore excludes ${required}`);
  }
  const sources = all(build, "COPY")
    .filter((args) => !args.startsWith("--from"))
    .flatMap((args) => args.split(/\s+/).filter((part) => !part.startsWith("--")).slice(0, -1));
  assert.ok(sources.length > 0);
  for (const source of sources) {
    assert.ok(existsSync(join(root, source)), `COPY ${source}: exists in the repository`);
    assert.ok(!ignored.includes(source), `COPY ${source}: not excluded by .dockerignore`);
  }
});

test("the runtime stage copies the build output and runs as a numeric non-root user", () => {
  assert.ok(runtime && build);
  const fromBuild = all(runtime, "COPY").filter((args) => args.startsWith(`--from=${build.name} `));
  for (const path of ["/app/package.json", "/app/node_modules", "/app/dist"]) {
    assert.ok(fromBuild.some((args) => args.split(/\s+/)[1]?.startsWith(path)), `copies ${path} from the build stage`);
  }
  const user = all(runtime, "USER").at(-1);
  assert.ok(user, "a USER is set");
  const [uid] = user.split(":");
  assert.match(uid ?? "", /^\d+$/, "numeric, so Kubernetes' runAsNonRoot can verify it");
  assert.notEqual(Number(uid), 0, "not root");
  assert.notEqual(uid, "root");
  assert.equal(all(runtime, "RUN").filter((run) => /\bnpm (ci|install)\b/.test(run)).length, 0, "nothing is installed at runtime");
});

test("the runtime stage carries pg_dump and pg_restore, which the backup CronJob runs in this image", () => {
  assert.ok(runtime);
  const args = Object.fromEntries(
    all(runtime, "ARG").map((arg) => {
      const [name = "", value = ""] = arg.split("=");
      return [name, value];
    }),
  );
  const installs = all(runtime, "RUN")
    .flatMap((run) => [...run.matchAll(/apt-get install ([^&;]+)/g)].flatMap((m) => (m[1] ?? "").trim().split(/\s+/)))
    .filter((word) => !word.startsWith("-"))
    .map((word) => word.replace(/^"?\$\{?(\w+)\}?"?$/, (_whole, name: string) => args[name] ?? ""));
  assert.ok(installs.some((name) => /^postgresql-client(-\d+)?$/.test(name)), `installs a PostgreSQL client: ${installs.join(" ")}`);
  const backupJob = readFileSync(join(root, "deploy/k8s/base/backup-cronjob.yaml"), "utf8");
  assert.match(backupJob, /cli\.js backup /, "the CronJob runs the CLI's backup in the gateway image");
});

test("EXPOSE is the configuration's default port and CMD runs the package's bin with serve", () => {
  assert.ok(runtime);
  assert.deepEqual(all(runtime, "EXPOSE"), [String(defaultPort)]);
  const cmd = all(runtime, "CMD").at(-1);
  assert.ok(cmd);
  const binPath = packageJson.bin.switchyard;
  assert.deepEqual(execForm(cmd), ["node", binPath, "serve"]);
  assert.ok(existsSync(join(root, binPath ?? "")), `${binPath} is what the build produces`);
});

test("SWITCHYARD_HOST=0.0.0.0 is honoured by the configuration loader", async () => {
  assert.ok(runtime);
  const env = envOf(runtime);
  assert.equal(env.SWITCHYARD_HOST, "0.0.0.0");
  const dir = await mkdtemp(join(tmpdir(), "switchyard-dockerfile-"));
  try {
    const path = join(dir, "switchyard.yaml");
    // Off loopback the schema demands auth, which is why the image needs a configuration file.
    await writeFile(path, "auth: { mode: keys, adminKey: an-admin-key-of-20-chars-or-more }\n");
    const { config } = loadConfig({ path, env });
    assert.equal(config.server.host, "0.0.0.0");
    assert.throws(() => loadConfig({ env }), /auth\.mode none is only allowed on a loopback address/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const healthcheck = runtime ? all(runtime, "HEALTHCHECK").at(-1) : undefined;

let gateway: TestGateway;
before(async () => {
  gateway = await startGateway({});
});
after(async () => {
  await gateway?.stop();
});

/** Runs the HEALTHCHECK command as Docker would (exec form, no shell) with SWITCHYARD_PORT set; its exit code. */
function runHealthcheck(port: number): Promise<number> {
  const command = execForm((healthcheck ?? "").replace(/^(--\S+\s+)*CMD\s+/, ""));
  assert.equal(command[0], "node", "Node's own fetch: the slim image has no curl");
  return new Promise((resolve) => {
    execFile(process.execPath, command.slice(1), { env: { ...process.env, SWITCHYARD_PORT: String(port) }, timeout: 15_000 }, (error) => {
      resolve(error ? (typeof error.code === "number" ? error.code : 1) : 0);
    });
  });
}

test("HEALTHCHECK calls /health/live, on the default port unless SWITCHYARD_PORT says otherwise", () => {
  assert.ok(healthcheck, "a HEALTHCHECK is declared");
  assert.match(healthcheck, /\/health\/live/);
  assert.match(healthcheck, new RegExp(`SWITCHYARD_PORT \\|\\| ${defaultPort}\\b`));
});

test("the HEALTHCHECK command passes against a live gateway and fails where nothing listens", async () => {
  const port = Number(new URL(gateway.url).port);
  assert.equal(await runHealthcheck(port), 0);
  assert.notEqual(await runHealthcheck(await closedPort()), 0);
});

/** A port that was free a moment ago: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === "object");
  return address.port;
}
