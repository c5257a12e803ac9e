/** A request's AbortSignal: it fires when the client goes away before the response finished, not after. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { createRequestSignals } from "../../src/http/requestSignals.js";

async function withExchange(body: (req: IncomingMessage, res: ServerResponse, dropClient: () => void) => Promise<void>): Promise<void> {
  let handed: ((pair: [IncomingMessage, ServerResponse]) => void) | undefined;
  const arrived = new Promise<[IncomingMessage, ServerResponse]>((resolve) => (handed = resolve));
  const server = createServer((req, res) => handed?.([req, res]));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = httpRequest({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", method: "POST" });
  client.on("error", () => undefined);
  client.end("{}");
  const [req, res] = await arrived;
  try {
    await body(req, res, () => client.destroy());
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test("a signal made after the client left is aborted at once", () =>
  withExchange(async (req, res, dropClient) => {
    const signals = createRequestSignals();
    dropClient();
    await once(res, "close");
    const signal = signals.signalFor(req, res);
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).name, "AbortError");
    assert.equal(signals.inFlight, 0);
  }));

test("a signal fires when the client leaves mid-response, and not once the response finished", async () => {
  await withExchange(async (req, res, dropClient) => {
    const signals = createRequestSignals();
    const signal = signals.signalFor(req, res);
    assert.equal(signals.inFlight, 1);
    dropClient();
    await once(signal, "abort");
    assert.equal(signals.inFlight, 0);
  });
  await withExchange(async (req, res) => {
    const signals = createRequestSignals();
    const signal = signals.signalFor(req, res);
    res.end("done");
    await once(res, "close");
    assert.equal(signal.aborted, false);
    assert.equal(signals.inFlight, 0);
  });
});
