import { test } from "node:test";
import assert from "node:assert/strict";
import { createSseParser } from "../../../src/engines/openai/createSseParser.js";

function parse(pieces: string[]): string[] {
  const events: string[] = [];
  const parser = createSseParser((data) => events.push(data));
  for (const piece of pieces) parser.feed(piece);
  parser.end();
  return events;
}

/** Every way of cutting the text in two or three, so boundaries land everywhere. */
function everySplit(text: string): string[][] {
  const splits: string[][] = [[text]];
  for (let i = 1; i < text.length; i++) {
    splits.push([text.slice(0, i), text.slice(i)]);
    for (let j = i + 1; j < text.length; j++) splits.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return splits;
}

test("LF, CRLF and CR line endings give the same events, however the input is cut", () => {
  for (const eol of ["\n", "\r\n", "\r"]) {
    const text = `data: {"a":1}${eol}${eol}: ping${eol}${eol}data:{"b":2}${eol}${eol}data: [DONE]${eol}${eol}`;
    for (const pieces of everySplit(text)) {
      assert.deepEqual(parse(pieces), ['{"a":1}', '{"b":2}', "[DONE]"], `${JSON.stringify(eol)} split as ${JSON.stringify(pieces)}`);
    }
  }
});

test("multi-line data joins with newlines; other fields and comments are skipped", () => {
  assert.deepEqual(parse(["event: delta\nid: 4\nretry: 10\ndata: first\ndata\ndata:  second\n\n"]), ["first\n\n second"]);
  assert.deepEqual(parse([": only a comment\n\n\n\n"]), []);
});

test("a final event without its blank line is still delivered", () => {
  assert.deepEqual(parse(["data: one\n\ndata: [DONE]"]), ["one", "[DONE]"]);
  assert.deepEqual(parse(["data: one\n\ndata: two\n"]), ["one", "two"]);
});
