/**
 * SIGTERM with streams open: every stream finishes, new connections are refused, the process exits 0.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { spawnServer } from "../support/spawnServer.js";
import { parseSse, readSseUntil } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";

let mock: MockUpstream;
let dir: string;

before(async () => {
  mock = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), "switchyard-shutdown-"));
});
after(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });

test("SIGTERM with 20 open streams: all finish, new connections are refused, exit 0", async () => {
  mock.script = () => ({ chunks: Array.from({ length: 60 }, (_, i) => `t${i} `), chunkDelayMs: 25 });
  const server = await spawnServer(dir, {
    server: { host: "127.0.0.1", port: 0, drainTimeoutMs: 20000 },
    store: { url: "sqlite:./data/switchyard.db" },
    engines: [{ name: "vllm", type: "openai", baseUrl: mock.url, models: ["mock-model"] }],
  });

  const streams = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const path = i % 2 === 0 ? "/v1/chat/completions" : "/api/v2/chat/stream";
      const body = i % 2 === 0 ? { model: "vllm/mock-model", messages: [{ role: "user", content: `s${i}` }], stream: true } : { message: `s${i}` };
      const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.equal(response.status, 200);
      const first = await readSseUntil(response, (e) => e.data.includes("t0 "));
      return { path, first, reader: first.reader };
    }),
  );
  assert.equal(mock.inFlight, 20);

  server.child.kill("SIGTERM");
  await eventually(() => refused(server.url), 5000, "the listener to close");

  const decoder = new TextDecoder();
  await Promise.all(
    streams.map(async ({ path, reader }) => {
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += decoder.decode(value, { stream: true });
      }
      const events = parseSse(rest);
      if (path.startsWith("/v1")) {
        assert.equal(events.at(-1)?.data, "[DONE]");
      } else {
        assert.equal(events.at(-1)?.event, "done");
      }
      assert.ok(rest.includes("t59 "), "the stream ran to its end");
    }),
  );
  assert.equal(await server.exited, 0, server.logs.join("\n"));
  assert.equal(mock.completedStreams, 20);
  assert.equal(mock.abortedStreams, 0);
});
