import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createScrubber, secretsOf } from "../../src/observability/createScrubber.js";
import { createLogger } from "../../src/logger.js";

const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
const key = "sy-Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6cXV1enF1dXo";
const providerKey = "sk-proj-abcdefghijklmnopqrstuvwxyz012345";

test("credential shapes are removed from free text", () => {
  const scrub = createScrubber();
  const text = `auth Bearer ${key} and jwt ${jwt} and ${providerKey} and https://x.test/v1?api_key=plain-secret-value&x=1`;
  const clean = scrub(text);
  for (const secret of [key, jwt, providerKey, "plain-secret-value"]) assert.ok(!clean.includes(secret), `${secret} leaked: ${clean}`);
  assert.match(clean, /&x=1/, "the rest of the text survives");
});

test("configured secrets are removed wherever they appear", () => {
  const config = {
    engines: [{ type: "openai", apiKey: "upstream-key-1234567890", headers: { "x-org-token": "org-token-abcdefgh", accept: "json" } }],
    auth: { adminKey: "admin-key-abcdefghijklmnop", jwt: { secret: "jwt-secret-0123456789abcdef0123456789" } },
    webhooks: [{ secret: "hook-secret-abcdefgh" }],
  };
  const secrets = secretsOf(config);
  assert.deepEqual(secrets.sort(), ["admin-key-abcdefghijklmnop", "hook-secret-abcdefgh", "jwt-secret-0123456789abcdef0123456789", "org-token-abcdefgh", "upstream-key-1234567890"]);
  const more = secretsOf({
    engines: [
      { type: "anthropic", apiKeys: ["rotating-key-one-12345", "rotating-key-two-12345"] },
      { type: "bedrock", credentials: { secretAccessKey: "aws-secret-access-key-123", sessionToken: "aws-session-token-123" } },
    ],
  });
  assert.deepEqual(more.sort(), ["aws-secret-access-key-123", "aws-session-token-123", "rotating-key-one-12345", "rotating-key-two-12345"]);
  const scrub = createScrubber(secrets);
  assert.equal(scrub("upstream said: invalid key upstream-key-1234567890"), "upstream said: invalid key [redacted]");
});

test("the logger redacts fields, messages and errors", () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger("trace", { secrets: ["my-configured-secret-value"], destination });
  logger.info({ req: { headers: { authorization: `Bearer ${key}`, "x-api-key": key } } }, "request");
  logger.info({ apiKey: "my-configured-secret-value", nested: { secret: "abc" } }, "config");
  logger.info({ password: "pw-value-1", res: { headers: { "set-cookie": ["sid=cookie-value-1"] } }, engine: { token: { value: "tok-value-1" } }, tokens: 12 }, "more");
  logger.warn({ reason: `upstream echoed ${providerKey}` }, `message with ${jwt}`);
  logger.error({ err: new Error(`failed with my-configured-secret-value and ${key}`) }, "boom");
  const output = lines.join("");
  for (const secret of [key, jwt, providerKey, "my-configured-secret-value", '"abc"', "pw-value-1", "cookie-value-1", "tok-value-1"]) {
    assert.ok(!output.includes(secret), `${secret} leaked:\n${output}`);
  }
  assert.equal(lines.length, 5);
  const [request, config, more] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(request?.req, { headers: { authorization: "[redacted]", "x-api-key": "[redacted]" } });
  assert.equal(config?.apiKey, "[redacted]");
  assert.deepEqual(config?.nested, { secret: "[redacted]" });
  assert.equal(more?.password, "[redacted]");
  assert.deepEqual(more?.res, { headers: { "set-cookie": "[redacted]" } });
  assert.deepEqual(more?.engine, { token: "[redacted]" });
  assert.equal(more?.tokens, 12, "only the named keys are censored");
});
