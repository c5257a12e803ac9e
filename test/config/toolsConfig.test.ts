/**
 * The `tools` section: defaults, `${ENV}` in http tool headers (masked in logs), and every way a tool definition is
 * refused at load — including JSON Schema keywords the argument checker does not implement, so none is ignored.
 * Then the argument checker itself, on the keywords it does implement.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, ConfigError } from "../../src/config/loadConfig.js";
import { configSchema } from "../../src/config/schema.js";
import { createScrubber, secretsOf } from "../../src/observability/createScrubber.js";
import { schemaProblems, validateJson } from "../../src/tools/jsonSchemaSubset.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-tools-config-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const tool = (extra: Record<string, unknown> = {}) => ({ name: "weather", description: "Weather", url: "https://weather.example/v1", ...extra });
const issues = (tools: Record<string, unknown>) => {
  const result = configSchema.safeParse({ tools });
  assert.equal(result.success, false, "refused");
  return result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n") ?? "";
};

test("defaults: four engine calls, ten seconds a call, eight calls an answer, a keepalive every 15 s, both built-ins, no http tools", () => {
  assert.deepEqual(configSchema.parse({}).tools, {
    maxSteps: 4,
    timeoutMs: 10_000,
    maxCallsPerStep: 8,
    streamKeepaliveMs: 15_000,
    builtins: ["search_documents", "get_session_history"],
    http: [],
    mcp: [],
  });
  const [weather] = configSchema.parse({ tools: { http: [tool()] } }).tools.http;
  assert.deepEqual(weather, {
    ...tool(),
    parameters: { type: "object", properties: {} },
    method: "POST",
    headers: {},
    maxResponseBytes: 65_536,
  });
});

test("http tool headers take ${ENV}, and their values are masked in logs", async () => {
  const path = join(dir, "tools.yaml");
  await writeFile(
    path,
    `tools:\n  http:\n    - { name: weather, description: Weather, url: "https://weather.example/v1", headers: { x-api-key: "\${WEATHER_KEY}" } }\n`,
  );
  const { config } = loadConfig({ path, env: { WEATHER_KEY: "weather-key-0123456789" } });
  assert.equal(config.tools.http[0]?.headers["x-api-key"], "weather-key-0123456789");
  const scrub = createScrubber(secretsOf(config));
  assert.equal(scrub("calling with weather-key-0123456789 now"), "calling with [redacted] now");
  assert.throws(() => loadConfig({ path, env: {} }), (error: unknown) => error instanceof ConfigError && /tools\.http\[0\]\.headers\.x-api-key: environment variable WEATHER_KEY is not set/.test(error.message));
});

test("bad tool definitions are refused with the field named", () => {
  assert.match(issues({ http: [tool({ parameters: { type: "object", properties: { when: { type: "string", format: "date" } } } })] }), /parameters: \/properties\/when\/format: unsupported JSON Schema keyword/);
  assert.match(issues({ http: [tool({ parameters: { type: "array" } })] }), /parameters: the parameters schema must have type "object"/);
  assert.match(issues({ http: [tool({ parameters: { type: "object", properties: { n: { type: "float" } } } })] }), /unknown type "float"/);
  assert.match(issues({ http: [tool({ parameters: { type: "object", properties: { s: { type: "string", pattern: "(" } } } })] }), /\/properties\/s\/pattern: Invalid regular expression/);
  assert.match(issues({ http: [tool(), tool()] }), /http\.1\.name: "weather" is already a tool name/);
  assert.match(issues({ http: [tool({ name: "search_documents" })] }), /http\.0\.name: "search_documents" is already a tool name/);
  assert.match(issues({ http: [tool({ name: "has space" })] }), /http\.0\.name: 1 to 64 letters/);
  assert.match(issues({ http: [tool({ url: "ftp://weather.example/" })] }), /http\.0\.url/);
  assert.match(issues({ http: [tool({ method: "DELETE" })] }), /http\.0\.method/);
  assert.match(issues({ maxSteps: 0 }), /maxSteps/);
  assert.match(issues({ builtins: ["shell"] }), /builtins\.0/);
  assert.match(issues({ retries: 3 }), /Unrecognized key/);
});

test("the schema checker finds what it was asked to", () => {
  assert.deepEqual(schemaProblems({ type: "object", properties: { a: { type: ["string", "null"], maxLength: 3 } }, required: ["a"] }), []);
  assert.match(schemaProblems({ type: "object", required: "a" }).join(), /required: must be a list/);
  assert.match(schemaProblems({ type: "object", anyOf: [] }).join(), /anyOf: must be a non-empty list/);
  assert.match(schemaProblems({ type: "string", minLength: -1 }).join(), /minLength: must be a non-negative integer/);
  assert.match(schemaProblems({ type: "number", maximum: "10" }).join(), /maximum: must be a number/);

  const schema = {
    type: "object",
    properties: {
      city: { type: "string", minLength: 2, maxLength: 5, pattern: "^[A-Z]" },
      days: { type: "integer", minimum: 1, maximum: 7 },
      ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      unit: { enum: ["c", "f"] },
      kind: { const: "forecast" },
      tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 2 },
      when: { anyOf: [{ type: "string" }, { type: "null" }] },
      extra: { type: "object", additionalProperties: { type: "boolean" } },
    },
    required: ["city"],
    additionalProperties: false,
  };
  assert.deepEqual(validateJson(schema, { city: "Oslo", days: 3, ratio: 0.5, unit: "c", kind: "forecast", tags: ["a"], when: null, extra: { x: true } }), []);
  assert.deepEqual(validateJson(schema, { city: "A😀😀😀😀" }), [], "lengths count characters, not UTF-16 units");
  assert.deepEqual(validateJson(schema, {}), ['/: is missing the required property "city"']);
  assert.deepEqual(validateJson(schema, []), ["/: must be object"]);
  assert.deepEqual(
    validateJson(schema, {
      city: "oslo-city",
      days: 2.5,
      ratio: 1,
      unit: "k",
      kind: "other",
      tags: [1, "b", "c"],
      when: 3,
      extra: { x: "yes" },
      nope: 1,
    }),
    [
      "/city: must be at most 5 characters",
      "/city: must match ^[A-Z]",
      "/days: must be integer",
      "/ratio: must be < 1",
      '/unit: must be one of "c", "f"',
      '/kind: must be "forecast"',
      "/tags: must have at most 2 items",
      "/tags/0: must be string",
      "/when: matches none of the allowed shapes (anyOf)",
      "/extra/x: must be boolean",
    ],
    "at most ten errors are reported",
  );
  assert.deepEqual(validateJson({ type: "number", minimum: 0 }, -1), ["/: must be >= 0"]);
  assert.deepEqual(validateJson({ type: "number" }, Number.NaN), ["/: must be number"]);
  assert.deepEqual(validateJson({ type: "object", properties: { "a/b": { type: "string" } } }, { "a/b": 1 }), ["/a~1b: must be string"]);
});
