import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/**
 * A fresh hidden name in the same directory as `file`: a rename from there onto `file` is atomic (same
 * filesystem), so readers see the old file or the complete new one, never a half-written one.
 */
export function tempPathBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
}
