/**
 * The access line, one per request, written as the logger would write it (same level, time, bindings and fields,
 * scrubbed) but formatted here: pino's generic path (the hooks, the context mixin, the field scrubber's copy, a
 * stringifier per key) cost more than the rest of a cache hit's logging and metrics together, and every request
 * pays it. Only the free-text fields (url, userId, sessionId) can carry a credential, so only they are scrubbed.
 * A logger not made by createLogger (no scrubber known) gets the line through its own `info`/`debug`.
 */
import { pino } from "pino";
import { isoTimeField, scrubberOf, type Logger } from "../logger.js";

export interface AccessLine {
  traceId: string;
  requestId: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  route: string;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  bytes: number | undefined;
  ip: string | undefined;
}

/** Writes the line at info, or at debug for `quiet` ones (probes and scrapes). */
export type AccessLog = (line: AccessLine, quiet: boolean) => void;

const message = "request completed";
const { streamSym, chindingsSym } = pino.symbols;

export function createAccessLog(logger: Logger): AccessLog {
  const scrub = scrubberOf(logger);
  if (scrub === undefined) {
    return (line, quiet) => {
      if (quiet) logger.debug(line, message);
      else logger.info(line, message);
    };
  }
  const stream = (logger as unknown as Record<symbol, { write(line: string): void }>)[streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[chindingsSym];
  const levels = logger.levels.values;
  const heads = { info: `{"level":${levels.info ?? 30}`, debug: `{"level":${levels.debug ?? 20}` };
  return (line, quiet) => {
    const level = quiet ? "debug" : "info";
    if (stream === undefined || !logger.isLevelEnabled(level)) return;
    let text = `${heads[level]}${isoTimeField()}${bindings ?? ""},"traceId":${JSON.stringify(line.traceId)},"requestId":${JSON.stringify(line.requestId)}`;
    if (line.userId !== undefined) text += `,"userId":${JSON.stringify(scrub(line.userId))}`;
    if (line.sessionId !== undefined) text += `,"sessionId":${JSON.stringify(scrub(line.sessionId))}`;
    text += `,"route":${JSON.stringify(line.route)},"method":${JSON.stringify(line.method)},"url":${JSON.stringify(scrub(line.url))},"status":${line.status},"durationMs":${line.durationMs}`;
    if (line.bytes !== undefined && Number.isFinite(line.bytes)) text += `,"bytes":${line.bytes}`;
    if (line.ip !== undefined) text += `,"ip":${JSON.stringify(line.ip)}`;
    stream.write(`${text},"msg":"${message}"}\n`);
  };
}
