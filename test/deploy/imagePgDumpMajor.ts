/** The major version of the pg_dump the gateway's image installs (the Dockerfile's PG_CLIENT). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function imagePgDumpMajor(root: string): number {
  const match = /^ARG PG_CLIENT=postgresql-client-(\d+)$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"));
  assert.ok(match, "the Dockerfile pins the PostgreSQL client's major version");
  return Number(match[1]);
}
