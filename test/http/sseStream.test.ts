/**
 * The SSE writer on a real socket: events sent in one turn leave together (the first with the head) and in order
 * at its end, an event alone leaves at the end of its own turn, a stream that ends in its last events' turn
 * writes them and its end at once, and a client that stops reading makes send() wait instead of letting the
 * server buffer without bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openSseStream, type SseStream } from "../../src/http/sseStream.js";

async function withSse(body: (sse: SseStream, response: ServerResponse, client: Promise<IncomingMessage>) => Promise<void>): Promise<void> {
  let resolveStream: (value: { sse: SseStream; response: ServerResponse }) => void = () => {};
  const opened = new Promise<{ sse: SseStream; response: ServerResponse }>((resolve) => (resolveStream = resolve));
  const server = createServer((_req, response) => resolveStream({ sse: openSseStream(response, { "x-test": "1" }), response }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // The response head leaves with the first event, so the client's response is awaited inside the test body.
  const client = new Promise<IncomingMessage>((resolve, reject) => httpRequest({ port, host: "127.0.0.1", path: "/" }, resolve).on("error", reject).end());
  const { sse, response } = await opened;
  try {
    await body(sse, response, client);
  } finally {
    response.socket?.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function readAll(client: IncomingMessage): Promise<{ text: string; reads: number }> {
  let text = "";
  let reads = 0;
  for await (const chunk of client) {
    text += String(chunk);
    reads++;
  }
  return { text, reads };
}

function countWrites(response: ServerResponse): () => number {
  const socket = response.socket;
  assert.ok(socket);
  let writes = 0;
  const patched = socket as unknown as Record<"_write" | "_writev", (...args: unknown[]) => unknown>;
  for (const method of ["_write", "_writev"] as const) {
    const original = patched[method].bind(socket);
    patched[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return () => writes;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("events of one turn leave at its end in one socket write, the first with the head; a later event alone leaves in its own turn", async () => {
  await withSse(async (sse, response, responded) => {
    const writes = countWrites(response);
    assert.equal(await sse.send(JSON.stringify({ i: 0 }), "meta"), true);
    for (let i = 1; i < 20; i++) assert.equal(await sse.send(JSON.stringify({ i })), true);
    assert.equal(writes(), 0, "the events of the turn wait for its end");
    await nextTurn();
    assert.equal(writes(), 1, "the head and the turn's twenty events, one socket write");
    const client = await responded;
    assert.equal(client.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.equal(client.headers["x-test"], "1");
    assert.equal(await sse.send(JSON.stringify({ i: 20 })), true);
    await nextTurn();
    assert.equal(writes(), 2, "an event alone is not held for company");
    const reading = readAll(client);
    sse.end();
    const { text } = await reading;
    const events = text.trim().split("\n\n");
    assert.equal(events.length, 21);
    assert.equal(events[0], 'event: meta\ndata: {"i":0}');
    events.slice(1).forEach((event, index) => assert.equal(event, `data: {"i":${index + 1}}`));
  });
});

test("a stream that ends in the turn of its last events writes them and the end of the body in one socket write", async () => {
  await withSse(async (sse, response, responded) => {
    const writes = countWrites(response);
    assert.equal(await sse.send(JSON.stringify({ i: 0 }), "meta"), true);
    assert.equal(await sse.send(JSON.stringify({ i: 1 })), true);
    assert.equal(await sse.send("[DONE]"), true);
    sse.end();
    const { text } = await readAll(await responded);
    assert.equal(writes(), 1);
    assert.equal(text, 'event: meta\ndata: {"i":0}\n\ndata: {"i":1}\n\ndata: [DONE]\n\n');
  });
});

test("a client that stops reading makes send() wait; the server's buffer stays bounded and nothing is lost", async () => {
  await withSse(async (sse, response, responded) => {
    assert.equal(await sse.send("{}", "meta"), true);
    const client = await responded;
    client.pause();
    const payload = "x".repeat(16 * 1024);
    let sent = 0;
    let maxBuffered = 0;
    // Keep writing until a send() has to wait for the reader.
    for (;;) {
      const pending = sse.send(JSON.stringify({ n: sent, payload }));
      sent++;
      maxBuffered = Math.max(maxBuffered, response.writableLength);
      const settled = await Promise.race([Promise.resolve(pending).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200))]);
      if (!settled) {
        // Waiting on the paused client: what the server holds is about one high-water mark, not everything sent.
        assert.ok(response.writableLength <= response.writableHighWaterMark + 2 * (payload.length + 64), `buffered ${response.writableLength} bytes`);
        const reading = readAll(client);
        client.resume();
        assert.equal(await pending, true);
        // Each wait let go of its listeners, whichever event ended it.
        assert.equal(response.listenerCount("drain"), 0);
        assert.ok(response.listenerCount("close") <= 3, `${response.listenerCount("close")} close listeners`);
        sse.end();
        const { text } = await reading;
        const numbers = text
          .trim()
          .split("\n\n")
          .slice(1)
          .map((event) => (JSON.parse(event.slice("data: ".length)) as { n: number }).n);
        assert.deepEqual(numbers, Array.from({ length: sent }, (_, i) => i));
        return;
      }
      assert.ok(sent < 10_000, "send() never waited for the paused reader");
    }
  });
});
