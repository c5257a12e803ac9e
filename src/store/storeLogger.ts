/** The slice of a pino-style logger the store writes to. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}
