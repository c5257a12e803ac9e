import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStoreUrl } from "../../src/store/parseStoreUrl.js";

test("sqlite paths resolve against the working directory", () => {
  assert.deepEqual(parseStoreUrl("sqlite:./data/switchyard.db", "/srv/app"), {
    dialect: "sqlite",
    filename: "/srv/app/data/switchyard.db",
  });
  assert.deepEqual(parseStoreUrl("sqlite:/var/lib/sy.db", "/srv/app"), { dialect: "sqlite", filename: "/var/lib/sy.db" });
  assert.deepEqual(parseStoreUrl("sqlite::memory:"), { dialect: "sqlite", filename: ":memory:" });
});

test("postgres URLs pass through whole", () => {
  for (const url of ["postgres://u:p@db:5432/sy", "postgresql://db/sy?sslmode=require"]) {
    assert.deepEqual(parseStoreUrl(url), { dialect: "postgres", connectionString: url });
  }
});

test("other URLs are refused without echoing them", () => {
  assert.throws(() => parseStoreUrl("mysql://root:secret@db/sy"), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /mysql:/);
    assert.doesNotMatch(error.message, /secret/);
    return true;
  });
  assert.throws(() => parseStoreUrl("sqlite:"), /file path/);
  assert.throws(() => parseStoreUrl("just-a-path.db"), /Unsupported/);
});
