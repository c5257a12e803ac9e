/** The slice of a pino-style logger the local engine writes to. */
export interface EngineLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const silentLogger: EngineLogger = {
  info() {},
  warn() {},
  error() {},
};
