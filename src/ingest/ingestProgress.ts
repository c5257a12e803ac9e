/**
 * Progress of an ingestion on stderr: a bar redrawn in place on a terminal (files done of total, chunks,
 * failures), and one plain line per finished file otherwise, so logs and CI output stay readable.
 */
import type { FileOutcome } from "./ingestOverHttp.js";

export interface ProgressStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(text: string): unknown;
}

export interface IngestProgress {
  done(outcome: FileOutcome): void;
  note(text: string): void;
  /** Ends the bar's line, so what follows starts on a fresh one. */
  finish(): void;
}

const BAR_WIDTH = 24;

export function ingestProgress(stream: ProgressStream, total: number): IngestProgress {
  const tty = stream.isTTY === true;
  let finished = 0;
  let chunks = 0;
  let failures = 0;
  let drawn = false;
  const draw = () => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((finished / total) * BAR_WIDTH);
    const line = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${finished}/${total} files  ${chunks} chunks  ${failures} failed`;
    stream.write(`\r${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}\x1b[K`);
    drawn = true;
  };
  const clear = () => {
    if (drawn) stream.write("\r\x1b[K");
  };
  if (tty) draw();
  return {
    done(outcome) {
      finished += 1;
      if (outcome.ok) chunks += outcome.chunkCount;
      else failures += 1;
      const line = outcome.ok ? `ok ${outcome.path} (${outcome.chunkCount} chunks)` : `failed ${outcome.path}: ${outcome.code}: ${outcome.message}`;
      if (!tty) {
        stream.write(`${line}\n`);
        return;
      }
      // Failures stay on screen above the bar; successes only move it.
      if (!outcome.ok) {
        clear();
        stream.write(`${line}\n`);
      }
      draw();
    },
    note(text) {
      if (tty) clear();
      stream.write(`${text}\n`);
      if (tty) draw();
    },
    finish() {
      if (tty && drawn) stream.write("\n");
      drawn = false;
    },
  };
}
