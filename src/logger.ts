/**
 * The process logger: pino JSON on stdout. Fastify's request logger is a child of this one.
 */
import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "switchyard" },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials never reach the logs, whatever logs them.
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "req.headers[\"x-api-key\"]", "*.apiKey", "apiKey"],
      censor: "[redacted]",
    },
  });
}
