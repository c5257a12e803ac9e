/**
 * The ingestion progress on a terminal (a bar redrawn in place, failures kept above it) and elsewhere (one line per
 * file), and titles taken from the files' first headings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ingestProgress } from "../../src/ingest/ingestProgress.js";
import { documentTitle } from "../../src/ingest/documentTitle.js";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 120, write: (text: string) => writes.push(text) };
}

test("on a terminal the bar counts files, chunks and failures, and a failure is printed above it", () => {
  const tty = stream(true);
  const progress = ingestProgress(tty, 2);
  // eslint-disable-next-line no-control-regex -- the line ends with the terminal's erase-to-end-of-line escape
  assert.match(tty.writes.at(-1) ?? "", /^\r\[\.{24}\] 0\/2 files {2}0 chunks {2}0 failed\x1b\[K$/);
  progress.done({ path: "a.md", ok: true, documentId: "d1", chunkCount: 3 });
  assert.match(tty.writes.at(-1) ?? "", /^\r\[#{12}\.{12}\] 1\/2 files {2}3 chunks {2}0 failed/);
  progress.done({ path: "b.md", ok: false, code: "invalid_request", message: "the document has no content" });
  assert.ok(tty.writes.includes("failed b.md: invalid_request: the document has no content\n"));
  assert.match(tty.writes.at(-1) ?? "", /^\r\[#{24}\] 2\/2 files {2}3 chunks {2}1 failed/);
  progress.finish();
  assert.equal(tty.writes.at(-1), "\n");
});

test("elsewhere each file is one plain line", () => {
  const plain = stream(false);
  const progress = ingestProgress(plain, 2);
  progress.done({ path: "a.md", ok: true, documentId: "d1", chunkCount: 3 });
  progress.note("a note");
  progress.finish();
  assert.deepEqual(plain.writes, ["ok a.md (3 chunks)\n", "a note\n"]);
});

test("titles come from the first heading, skipping code blocks, else from the file name", () => {
  assert.equal(documentTitle("```sh\n# not a heading\n```\n\n## Real title ##\n", "markdown", "x.md"), "Real title");
  assert.equal(documentTitle("No heading here.", "markdown", "docs/setup-guide.md"), "setup-guide");
  assert.equal(documentTitle("<h2>Caf&#233; &amp; <em>menu</em></h2>", "html", "menu.html"), "Café & menu");
  assert.equal(documentTitle("# looks like a heading", "text", "notes.txt"), "notes");
  assert.equal(documentTitle(`# ${"t".repeat(600)}`, "markdown", "long.md").length, 500);
});
