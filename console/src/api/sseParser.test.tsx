import { describe, expect, test } from "vitest";
import { createSseParser, readSse, type SseEvent } from "./sseParser";

const stream = "event: meta\ndata: {\"a\":1}\n\n: a comment\ndata: line one\ndata: line two\n\nid: 7\ndata: é✓\r\n\r\ndata: [DONE]\n\n";
const expected: SseEvent[] = [
  { event: "meta", data: '{"a":1}' },
  { event: "message", data: "line one\nline two" },
  { event: "message", data: "é✓", id: "7" },
  { event: "message", data: "[DONE]", id: "7" },
];

function feed(pieces: string[]): SseEvent[] {
  const parser = createSseParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

function bodyOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.slice(from, cut));
    from = cut;
  }
  return new ReadableStream({
    pull(controller) {
      const piece = pieces.shift();
      if (piece === undefined) controller.close();
      else controller.enqueue(piece);
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of readSse(body)) out.push(event);
  return out;
}

describe("SSE parser", () => {
  test("reads named events, joined data lines, comments and ids", () => {
    expect(feed([stream])).toEqual(expected);
  });

  test("gives the same events however the text is cut into reads", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(feed([stream.slice(0, cut), stream.slice(cut)])).toEqual(expected);
    }
    expect(feed([...stream])).toEqual(expected);
  });

  test("a CR at the end of a read waits for its LF", () => {
    expect(feed(["data: a\r", "\n\r", "\n"])).toEqual([{ event: "message", data: "a" }]);
    expect(feed(["data: a\r\rdata: b\r\r"])).toEqual([
      { event: "message", data: "a" },
      { event: "message", data: "b" },
    ]);
  });

  test("drops an event the stream cut off and a leading byte order mark", () => {
    expect(feed(["\uFEFFdata: x\n\n", "data: cut"])).toEqual([{ event: "message", data: "x" }]);
    expect(feed(["data\n\n"])).toEqual([{ event: "message", data: "" }]);
  });

  test("reads a body whose bytes split inside characters", async () => {
    const bytes = new TextEncoder().encode(stream);
    const inside = stream.indexOf("é");
    const at = new TextEncoder().encode(stream.slice(0, inside)).length + 1;
    expect(await collect(bodyOf(bytes, [3, at, at + 2, bytes.length - 1]))).toEqual(expected);
  });

  test("stopping early cancels the body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: 1\n\ndata: 2\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readSse(body)) {
      expect(event.data).toBe("1");
      break;
    }
    await Promise.resolve();
    expect(cancelled).toBe(true);
  });
});
