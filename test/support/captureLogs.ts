/**
 * A gateway's log lines caught in memory: pass `destination` as the gateway's `logDestination`, then read the
 * chunks written, the whole text, or the JSON lines.
 */
import { Writable } from "node:stream";

export interface CapturedLogs {
  destination: Writable;
  /** The chunks as written, in order. */
  readonly chunks: string[];
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const text = () => chunks.join("");
  return {
    destination,
    chunks,
    text,
    lines: () => text().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
