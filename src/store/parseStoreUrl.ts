/**
 * The store URL names the dialect and where the data lives:
 * `sqlite:<path>` (relative to the working directory), `sqlite::memory:`, or `postgres://` / `postgresql://`.
 */
import { resolve } from "node:path";

export type StoreTarget =
  | { dialect: "sqlite"; filename: string } // a path, or ":memory:"
  | { dialect: "postgres"; connectionString: string };

export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreTarget {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === ":memory:") return { dialect: "sqlite", filename: ":memory:" };
    if (path === "") throw new Error("The sqlite store URL needs a file path, e.g. sqlite:./data/switchyard.db");
    return { dialect: "sqlite", filename: resolve(cwd, path) };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return { dialect: "postgres", connectionString: url };
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(none)";
  throw new Error(`Unsupported store URL scheme ${scheme}: use sqlite:<path>, sqlite::memory: or postgres://...`);
}
