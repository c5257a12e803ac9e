/**
 * `switchyard ingest` as a real process against a real gateway: a directory of markdown, HTML and text files (one
 * empty, one of another kind) is filed as background jobs under the key's user and becomes searchable; the
 * summary counts and the exit codes say what happened; globs, access levels and usage errors behave as documented.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { cliPath } from "../support/spawnServer.js";
import { call, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}
interface Hit {
  documentId: string;
  title: string;
}
interface Detail {
  id: string;
  ownerId: string;
  title: string;
  type: string;
  accessLevel: number;
  chunkCount: number;
}

let mock: MockUpstream;
let gateway: TestGateway;
let dir: string;
let writer: KeyCreated;
let reader: KeyCreated;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startAuthGateway(mock);
  writer = await createKey(gateway, { name: "writer", userId: "librarian", accessLevel: 1 });
  reader = await createKey(gateway, { name: "reader", userId: "visitor" });
  dir = await mkdtemp(join(tmpdir(), "switchyard-ingest-"));
  await mkdir(join(dir, "zoo", "pages"), { recursive: true });
  await writeFile(join(dir, "zoo", "aardvark.md"), "Intro line.\n\n# Aardvark guide\n\nAardvarks dig burrows with strong claws.\n\n## Diet\n\nTermites and ants.\n");
  await writeFile(join(dir, "zoo", "pages", "bongo.html"), "<html><head><title>Bongo &amp; friends</title></head><body><h1>Bongo</h1><p>Bongos are striped forest antelopes.</p></body></html>");
  await writeFile(join(dir, "zoo", "capybara-notes.txt"), "Capybaras are the largest rodents.\n\nThey swim well.\n");
  await writeFile(join(dir, "zoo", "empty.md"), "   \n\n  \n");
  await writeFile(join(dir, "zoo", "photo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await mkdir(join(dir, "vault"), { recursive: true });
  await writeFile(join(dir, "vault", "okapi.md"), "# Okapi dossier\n\nOkapis have zebra striped legs.\n");
  await writeFile(join(dir, "vault", "quagga.markdown"), "# Quagga dossier\n\nQuaggas were half striped.\n");
  await writeFile(join(dir, "vault", "notes.txt"), "Not matched by the markdown glob: serval.\n");
});
after(async () => {
  await gateway.stop();
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

function ingest(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!("SWITCHYARD_API_KEY" in env)) delete childEnv.SWITCHYARD_API_KEY;
    if (!("SWITCHYARD_URL" in env)) delete childEnv.SWITCHYARD_URL;
    execFile(process.execPath, [cliPath, "ingest", ...args], { cwd: dir, timeout: 60_000, env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

const summaryValue = (stdout: string, name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(stdout)?.[1] ?? Number.NaN);

async function search(key: string, query: string): Promise<Hit[]> {
  const response = await call(gateway, "GET", `/api/v2/search?${query}`, { token: key });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { data: Hit[] }).data;
}

async function detail(key: string, id: string): Promise<Detail> {
  const response = await call(gateway, "GET", `/api/v2/documents/${id}`, { token: key });
  assert.equal(response.status, 200);
  return (await response.json()) as Detail;
}

test("a directory is filed as the key's user and becomes searchable; the empty file fails, the image is skipped, exit 1", async () => {
  const result = await ingest(["zoo", "--project", "zoo", "--type", "animal"], { SWITCHYARD_URL: gateway.url, SWITCHYARD_API_KEY: writer.key });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(summaryValue(result.stdout, "documents"), 3, result.stdout);
  assert.equal(summaryValue(result.stdout, "failed"), 1, result.stdout);
  assert.equal(summaryValue(result.stdout, "skipped"), 1, result.stdout);
  assert.match(result.stdout, /^ {2}\S*empty\.md {2}invalid_request {2}the document has no content$/m);
  assert.match(result.stdout, /^ {2}\S*photo\.png$/m);
  // Not a terminal: one plain line per file on stderr, no bar.
  assert.match(result.stderr, /^ok \S*aardvark\.md \(\d+ chunks\)$/m);
  assert.match(result.stderr, /^failed \S*empty\.md: invalid_request/m);
  assert.ok(!result.stderr.includes("\r"), "no progress bar redraws when stderr is not a terminal");

  const titles = new Map<string, string>();
  for (const [word, title] of [["burrows", "Aardvark guide"], ["antelopes", "Bongo & friends"], ["rodents", "capybara-notes"]] as const) {
    const hits = await search(reader.key, `q=${word}&projectId=zoo`);
    assert.equal(hits[0]?.title, title, `search for ${word}`);
    titles.set(title, hits[0]?.documentId ?? "");
  }
  let chunks = 0;
  for (const id of titles.values()) {
    const document = await detail(reader.key, id);
    assert.equal(document.ownerId, "librarian", "the documents belong to the key's user");
    assert.equal(document.type, "animal");
    assert.equal(document.accessLevel, 0);
    chunks += document.chunkCount;
  }
  assert.equal(summaryValue(result.stdout, "chunks"), chunks, "the summary's chunk count is what the gateway indexed");
});

test("a quoted glob with --access-level and --key: only matching files, filed above a reader's level; exit 0", async () => {
  const result = await ingest([join(dir, "vault", "**", "*.{md,markdown}"), "--project", "vault", "--access-level", "1", "--url", gateway.url, "--key", writer.key, "--concurrency", "1"]);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(summaryValue(result.stdout, "documents"), 2);
  assert.equal(summaryValue(result.stdout, "failed"), 0);
  assert.equal(summaryValue(result.stdout, "skipped"), 0);
  const hits = await search(writer.key, "q=striped&projectId=vault");
  assert.deepEqual(hits.map((hit) => hit.title).sort(), ["Okapi dossier", "Quagga dossier"]);
  assert.equal((await detail(writer.key, hits[0]?.documentId ?? "")).accessLevel, 1);
  assert.deepEqual(await search(reader.key, "q=striped&projectId=vault"), [], "a level-0 reader does not see them");
  assert.deepEqual(await search(writer.key, "q=serval&projectId=vault"), [], "the .txt file was not matched by the glob");
});

test("refusals by the gateway are failures with their codes: a level above the key's, a bad key, no gateway", async () => {
  const above = await ingest([join(dir, "vault", "okapi.md"), "--project", "high", "--access-level", "5", "--url", gateway.url, "--key", writer.key]);
  assert.equal(above.code, 1);
  assert.equal(summaryValue(above.stdout, "documents"), 0);
  assert.match(above.stdout, /^ {2}\S*okapi\.md {2}invalid_request {2}accessLevel 5 is above your own access level \(1\)$/m);

  const badKey = await ingest([join(dir, "vault", "okapi.md"), "--project", "p", "--url", gateway.url, "--key", "sy-not-a-real-key"]);
  assert.equal(badKey.code, 1);
  assert.match(badKey.stdout, /^ {2}\S*okapi\.md {2}unauthorized /m);

  const down = await ingest([join(dir, "vault", "okapi.md"), "--project", "p", "--url", "http://127.0.0.1:1", "--key", writer.key]);
  assert.equal(down.code, 1);
  assert.match(down.stdout, /^ {2}\S*okapi\.md {2}unreachable {2}http:\/\/127\.0\.0\.1:1: /m);
});

test("usage errors exit 2 with a message on stderr and nothing on stdout", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["zoo"], /--project/],
    [["--project", "p"], /at least one file/],
    [["missing-dir/*.md", "--project", "p"], /nothing matches "missing-dir\/\*\.md"/],
    [["zoo", "--project", "p", "--concurrency", "0"], /--concurrency/],
    [["zoo", "--project", "p", "--access-level", "-1"], /--access-level/],
    [["zoo", "--project", "p", "--bogus"], /Unknown option/],
    [[join(dir, "zoo", "photo.png"), "--project", "p"], /none of the files/],
  ];
  for (const [args, message] of cases) {
    const result = await ingest([...args, "--url", gateway.url, "--key", writer.key]);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
  const help = await ingest(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: switchyard ingest/);
});

test("Ctrl-C stops submitting, waits for the files already queued, and reports the rest as not submitted", async () => {
  const bulk = join(dir, "bulk");
  await mkdir(bulk, { recursive: true });
  for (let i = 0; i < 40; i++) await writeFile(join(bulk, `note-${String(i).padStart(2, "0")}.md`), `# Wombat note ${i}\n\nWombats leave cubic droppings, note ${i}.\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_URL: gateway.url, SWITCHYARD_API_KEY: writer.key };
  const child = spawn(process.execPath, [cliPath, "ingest", "bulk", "--project", "bulk", "--concurrency", "2"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  const firstDone = new Promise<void>((resolve) => {
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
      if (/^ok /m.test(stderr)) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await firstDone;
  child.kill("SIGINT");
  assert.equal(await exited, 1, stderr);
  assert.match(stderr, /interrupted: submitting no more files/);
  const documents = summaryValue(stdout, "documents");
  const unsent = summaryValue(stdout, "not submitted");
  assert.ok(unsent > 0 && unsent < 40, stdout);
  assert.equal(summaryValue(stdout, "failed"), 0, "the files already queued were awaited, not abandoned");
  assert.equal(documents + unsent, 40, stdout);
  const hits = await search(writer.key, "q=wombats&projectId=bulk&topK=100");
  assert.equal(hits.length, documents, "every file reported as filed is searchable, and nothing more was filed");
});
