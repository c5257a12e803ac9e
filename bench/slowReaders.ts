/**
 * Slow readers: clients that ask for a large streamed answer and then read only a few bytes a second. If the
 * gateway honours backpressure end to end it stops reading from the upstream once the client's socket is
 * full, and its memory stays flat; if it buffers, its RSS grows by roughly the unread bytes. Raw sockets, so
 * the client reads exactly as slowly as intended (an HTTP client library would drain its socket).
 */
import { connect, type Socket } from "node:net";
import type { ChatTarget } from "./chatTarget.js";
import { rssSummary, sampleRss, type RssSample } from "./sampleRss.js";

export interface SlowReadersOptions {
  readers: number;
  seconds: number;
  bytesPerSecond: number;
  /** Bytes of one whole streamed answer, to put the unread volume beside the memory growth. */
  streamBytes: number;
  gatewayPid: number | undefined;
}

export interface SlowReadersResult {
  readers: number;
  /** Readers whose answer started (status line received). */
  started: number;
  errors: Record<string, number>;
  bytesRead: number;
  /** What the upstream had to send and the readers did not take: what an unbounded gateway would buffer. */
  unreadMb: number;
  rss: { startMb: number; endMb: number; maxMb: number };
  rssGrowthMb: number;
  /** Growth below a quarter of the unread volume: the stream was held back, not buffered. */
  bounded: boolean;
  rssSamples: RssSample[];
}

export async function slowReaders(target: ChatTarget, options: SlowReadersOptions): Promise<SlowReadersResult> {
  const url = new URL(target.origin);
  const headers = { ...target.headers, host: url.host, "content-length": String(Buffer.byteLength(target.streamBody)), connection: "close" };
  const request = `POST ${target.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${target.streamBody}`;
  const errors: Record<string, number> = {};
  const count = (reason: string) => void (errors[reason] = (errors[reason] ?? 0) + 1);
  const sockets: Socket[] = [];
  let bytesRead = 0;
  let started = 0;
  const sampler = sampleRss(options.gatewayPid, 500);
  for (let i = 0; i < options.readers; i++) {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    // Paused: Node fills its own small buffer and then stops reading from the kernel, whose buffer then fills.
    socket.pause();
    let first = true;
    socket.on("error", (error) => count(error.message));
    socket.once("connect", () => socket.write(request));
    socket.once("readable", () => {
      // The first bytes carry the status line: count a started answer only when it is a 200.
      const head = socket.read(Math.min(64, socket.readableLength)) as Buffer | null;
      if (head) {
        bytesRead += head.length;
        if (first && head.toString("latin1").startsWith("HTTP/1.1 200")) started++;
        else if (first) count(head.toString("latin1").split("\r\n")[0] ?? "bad answer");
        first = false;
      }
    });
    sockets.push(socket);
  }
  const ticker = setInterval(() => {
    for (const socket of sockets) {
      const piece = socket.read(Math.min(options.bytesPerSecond, socket.readableLength)) as Buffer | null;
      if (piece) bytesRead += piece.length;
    }
  }, 1000);
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  clearInterval(ticker);
  const samples = sampler.stop();
  for (const socket of sockets) socket.destroy();
  const rss = rssSummary(samples);
  const unreadMb = Math.max(0, started * options.streamBytes - bytesRead) / 2 ** 20;
  const rssGrowthMb = rss.maxMb - rss.startMb;
  return { readers: options.readers, started, errors, bytesRead, unreadMb, rss, rssGrowthMb, bounded: started > 0 && rssGrowthMb < unreadMb / 4, rssSamples: samples };
}
