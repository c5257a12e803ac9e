/**
 * The SSE writer on a real socket: the first event leaves at once, later events sent in one turn leave together
 * and in order, and a client that stops
 * reading makes send() wait instead of letting the server buffer without bound.
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

test("the first event leaves at once with the head; the rest of its turn arrives whole, in order, in one socket write", async () => {
  await withSse(async (sse, response, responded) => {
    const socket = response.socket;
    assert.ok(socket);
    let writes = 0;
    const originalWritev = (socket as unknown as { _writev: (...args: unknown[]) => unknown })._writev.bind(socket);
    (socket as unknown as { _writev: (...args: unknown[]) => unknown })._writev = (...args: unknown[]) => {
      writes++;
      return originalWritev(...args);
    };
    (socket as unknown as { _write: (...args: unknown[]) => unknown })._write = ((write) => (...args: unknown[]) => {
      writes++;
      return write(...args);
    })((socket as unknown as { _write: (...args: unknown[]) => unknown })._write.bind(socket));
    assert.equal(await sse.send(JSON.stringify({ i: 0 }), "meta"), true);
    assert.equal(writes, 1, "the head and the first event are on the wire before the turn ends");
    for (let i = 1; i < 20; i++) assert.equal(await sse.send(JSON.stringify({ i })), true);
    assert.equal(writes, 1, "later events of the turn wait for its end");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes, 2, "the other nineteen events of the turn, one socket write");
    const client = await responded;
    assert.equal(client.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.equal(client.headers["x-test"], "1");
    const reading = readAll(client);
    sse.end();
    const { text } = await reading;
    const events = text.trim().split("\n\n");
    assert.equal(events.length, 20);
    assert.equal(events[0], 'event: meta\ndata: {"i":0}');
    events.slice(1).forEach((event, index) => assert.equal(event, `data: {"i":${index + 1}}`));
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
