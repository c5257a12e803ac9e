/**
 * The process logger: pino JSON on stdout. Fastify's request logger is a child of this one. Credentials never
 * reach the output: known fields are redacted by path, and message text and errors go through the scrubber.
 *
 * Lines are buffered (up to 4 KiB, and at most 100 ms) and written asynchronously: a synchronous write per access
 * line cost as much as the rest of a request's logging together. pino flushes the buffer synchronously when the
 * process exits, so a crash loses nothing but a SIGKILL can lose the last 100 ms.
 */
import { pino, stdSerializers, type Logger as PinoLogger } from "pino";
import pinoPretty from "pino-pretty";
import { createScrubber, type Scrubber } from "./observability/createScrubber.js";
import { requestLogFields } from "./observability/requestContext.js";

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Exact secret values from the configuration. */
  secrets?: readonly string[];
  /** Where to write (default stdout); tests capture lines through it. */
  destination?: pino.DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON: the dev profile's choice, never production's. */
  pretty?: boolean;
}

/**
 * Fields whose value is never logged, whatever it is, wherever they sit in the first three levels of a line
 * (`req.headers.authorization`, `engine.apiKey`). Checked while the line is scrubbed anyway: pino's path-based
 * redaction re-parsed its paths on every line and cost as much as the rest of the line's formatting.
 */
const redactedKeys = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "apiKey",
  "adminKey",
  "secret",
  "token",
  "password",
]);
const censor = "[redacted]";

// The scrubber each logger made here writes through, for writers that format their own lines (createAccessLog).
const scrubbers = new WeakMap<Logger, Scrubber>();

/** The scrubber of a logger made by createLogger; undefined for any other logger. */
export function scrubberOf(logger: Logger): Scrubber | undefined {
  return scrubbers.get(logger);
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const scrub = createScrubber(options.secrets);
  const logger = pino(
    {
      level,
      base: { service: "switchyard" },
      timestamp: isoTimeField,
      // Inside a request every line carries its traceId, requestId, userId and sessionId (AsyncLocalStorage).
      mixin: requestLogFields,
      serializers: { err: (error: Error) => scrubError(stdSerializers.err(error), scrub) },
      formatters: { log: (object) => scrubShallow(object, scrub) },
      hooks: {
        logMethod(args, method) {
          // In place: the arguments array is this call's own, and every access line passes here.
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === "string") (args as unknown[])[i] = scrub(arg);
          }
          method.apply(this, args);
        },
      },
    },
    options.destination ??
      (options.pretty
        ? pinoPretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" })
        : pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 })),
  );
  scrubbers.set(logger, scrub);
  return logger;
}

function scrubError(serialized: ReturnType<typeof stdSerializers.err>, scrub: Scrubber): ReturnType<typeof stdSerializers.err> {
  if (typeof serialized.message === "string") serialized.message = scrub(serialized.message);
  if (typeof serialized.stack === "string") serialized.stack = scrub(serialized.stack);
  return serialized;
}

/**
 * Strings up to a few levels deep: where free text (reasons, upstream causes) lands, while staying cheap enough
 * for every access line; and the redacted keys. Objects are copied only when something had to change.
 */
function scrubShallow(object: Record<string, unknown>, scrub: Scrubber, depth = 0): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  // for…in over own keys rather than Object.entries: no array of pairs per line.
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const value = object[key];
    let clean: unknown = value;
    if (redactedKeys.has(key)) clean = value === undefined || value === null ? value : censor;
    else if (typeof value === "string") clean = scrub(value);
    else if (depth < 2 && value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
      clean = scrubShallow(value as Record<string, unknown>, scrub, depth + 1);
    }
    if (clean !== value) (copy ??= { ...object })[key] = clean;
  }
  return copy ?? object;
}

/**
 * pino's isoTime, made once per millisecond: under load many lines share one, and formatting a Date is a good part
 * of what an access line costs.
 */
let lastMs = -1;
let lastField = "";
export function isoTimeField(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastField;
}
