/** Chunking: headings and paragraphs, sizes and overlap in tokens, HTML to blocks, excerpts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { chunkBlocks, tokensOf } from "../../src/documents/chunkBlocks.js";
import { markdownBlocks } from "../../src/documents/markdownBlocks.js";
import { htmlBlocks } from "../../src/documents/htmlBlocks.js";
import { prepareDocument } from "../../src/documents/prepareDocument.js";
import { searchTerms } from "../../src/documents/searchTerms.js";

test("markdown: headings start sections, each chunk carries its heading path, code fences stay whole", () => {
  const blocks = markdownBlocks(["Intro text.", "", "# Guide", "", "First para.", "", "## Install", "", "```sh", "# not a heading", "", "make", "```", "", "# Other", "", "Last."].join("\n"));
  const chunks = chunkBlocks(blocks, { chunkTokens: 200, overlapTokens: 0 });
  assert.deepEqual(
    chunks.map((chunk) => [chunk.headingPath, chunk.text]),
    [
      [[], "Intro text."],
      [["Guide"], "First para."],
      [["Guide", "Install"], "```sh\n# not a heading\n\nmake\n```"],
      [["Other"], "Last."],
    ],
  );
  assert.deepEqual(chunks.map((chunk) => chunk.ordinal), [0, 1, 2, 3]);
});

test("plain text has no headings", () => {
  assert.deepEqual(markdownBlocks("# not a heading\n\nbody", { headings: false }), [
    { kind: "paragraph", text: "# not a heading" },
    { kind: "paragraph", text: "body" },
  ]);
});

test("chunks stay within the target, repeat the overlap, and lose no words", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { minLength: 1, maxLength: 80 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 16, max: 120 }),
      fc.integer({ min: 0, max: 15 }),
      (paragraphs, chunkTokens, overlapTokens) => {
        const text = paragraphs.map((words) => words.join(" ") + ".").join("\n\n");
        const chunks = chunkBlocks(markdownBlocks(text), { chunkTokens, overlapTokens });
        for (const chunk of chunks) {
          assert.ok(chunk.tokenCount <= chunkTokens, `${chunk.tokenCount} > ${chunkTokens}`);
          assert.equal(chunk.tokenCount, tokensOf(chunk.text));
        }
        // Every word of the input, in order, is in some chunk.
        const all = chunks.map((chunk) => chunk.text).join(" ");
        for (const words of paragraphs) for (const word of words) assert.ok(all.includes(word));
        if (overlapTokens === 0) assert.equal(chunks.map((chunk) => chunk.text.split(/\s+/)).flat().length, text.split(/\s+/).length);
      },
    ),
    { numRuns: 200 },
  );
});

test("overlap: the next chunk of a section starts with the end of the previous one", () => {
  const sentence = (i: number) => `Sentence number ${i} talks about topic ${i}.`;
  const text = Array.from({ length: 12 }, (_, i) => sentence(i)).join("\n\n");
  const chunks = chunkBlocks(markdownBlocks(text), { chunkTokens: 40, overlapTokens: 8 });
  assert.ok(chunks.length > 2);
  for (let i = 1; i < chunks.length; i++) {
    const overlap = chunks[i]?.text.split("\n\n")[0] ?? "";
    assert.ok(tokensOf(overlap) <= 8 && overlap.split(" ").length >= 3, `overlap "${overlap}"`);
    assert.ok(chunks[i - 1]?.text.endsWith(overlap), `chunk ${i} does not start with the end of chunk ${i - 1}`);
  }
});

test("a paragraph longer than a chunk is cut at sentences, a long word by characters", () => {
  const long = Array.from({ length: 30 }, (_, i) => `This is sentence ${i} of a long paragraph.`).join(" ");
  const chunks = chunkBlocks([{ kind: "paragraph", text: long }], { chunkTokens: 30, overlapTokens: 0 });
  assert.ok(chunks.length > 5);
  assert.ok(chunks.every((chunk) => chunk.text.endsWith(".")));
  const word = chunkBlocks([{ kind: "paragraph", text: "x".repeat(1000) }], { chunkTokens: 20, overlapTokens: 0 });
  assert.equal(word.map((chunk) => chunk.text).join(""), "x".repeat(1000));
  assert.ok(word.every((chunk) => chunk.tokenCount <= 20));
});

test("HTML: headings, paragraphs and list items survive; scripts, styles, comments and tags do not; entities decode", () => {
  const blocks = htmlBlocks(
    `<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style></head><body>
     <!-- a comment <p>hidden</p> --><h1 class="x">Main <em>title</em></h1><p data-x="a>b">One &amp; two &lt;three&gt; &#8364; &#x1F600;</p>
     <script type="text/javascript">alert("<p>no</p>")</script><ul><li>first</li><li>second</li></ul><h2>Sub</h2><div>Body<br>line</div>
     <p>\u0000# forged</p></body></html>`,
  );
  assert.deepEqual(blocks, [
    { kind: "heading", level: 1, text: "Main title" },
    { kind: "paragraph", text: "One & two <three> € 😀" },
    { kind: "paragraph", text: "first" },
    { kind: "paragraph", text: "second" },
    { kind: "heading", level: 2, text: "Sub" },
    { kind: "paragraph", text: "Body" },
    { kind: "paragraph", text: "line" },
    { kind: "paragraph", text: "# forged" },
  ]);
});

test("prepareDocument: excerpt of the body, content hash, headings-only documents still index", () => {
  const prepared = prepareDocument("# Title\n\n" + "word ".repeat(200), "markdown", { chunkTokens: 64, overlapTokens: 8, excerptChars: 50 });
  assert.ok(prepared.excerpt.endsWith("…"));
  assert.ok(prepared.excerpt.length <= 51);
  assert.ok(prepared.excerpt.startsWith("word word"));
  assert.match(prepared.contentHash, /^[0-9a-f]{64}$/);
  const headings = prepareDocument("# Only\n\n## Headings", "markdown", { chunkTokens: 64, overlapTokens: 8, excerptChars: 50 });
  assert.deepEqual(headings.chunks.map((chunk) => chunk.text), ["Only\nHeadings"]);
  assert.equal(headings.excerpt, "Only Headings");
});

test("search terms: words only, lower case, no stop words, no operators", () => {
  assert.deepEqual(searchTerms('How do I configure "Replica" OR standby-mode? NEAR(a b) *'), ["configure", "replica", "standby", "mode", "near", "b"]);
  assert.deepEqual(searchTerms("the and of"), []);
});
