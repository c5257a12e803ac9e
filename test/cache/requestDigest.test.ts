/** The cache key of a request: what changes the answer changes it, what does not (key order, streaming) does not. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { requestDigest } from "../../src/cache/requestDigest.js";

const base = { tenant: "u1", model: "vllm/m", request: { messages: [{ role: "user" as const, content: "Hi" }], maxTokens: 32, temperature: 0 } };

test("field order of the gateway's objects and of the client's free-form JSON does not change the digest", () => {
  const reordered = { tenant: "u1", model: "vllm/m", request: { temperature: 0, maxTokens: 32, messages: [{ content: "Hi", role: "user" as const }] } };
  assert.equal(requestDigest(reordered), requestDigest(base));
  const withExtra = (extra: Record<string, unknown>) => requestDigest({ ...base, request: { ...base.request, extra } });
  assert.equal(withExtra({ response_format: { type: "json_object", strict: true }, user: "x" }), withExtra({ user: "x", response_format: { strict: true, type: "json_object" } }));
});

test("every field that can change the answer changes the digest", () => {
  const digest = requestDigest(base);
  const variants = [
    { ...base, tenant: "u2" },
    { ...base, model: "vllm/other" },
    { ...base, request: { ...base.request, messages: [{ role: "user" as const, content: "Hi!" }] } },
    { ...base, request: { ...base.request, messages: [{ role: "system" as const, content: "Hi" }] } },
    { ...base, request: { ...base.request, maxTokens: 33 } },
    { ...base, request: { ...base.request, temperature: 0.5 } },
    { ...base, request: { ...base.request, topP: 0.9 } },
    { ...base, request: { ...base.request, stop: ["\n"] } },
    { ...base, request: { ...base.request, seed: 7 } },
    { ...base, request: { ...base.request, tools: [{ type: "function" as const, function: { name: "f" } }] } },
    { ...base, request: { ...base.request, toolChoice: "none" } },
    { ...base, request: { ...base.request, extra: { user: "x" } } },
    { ...base, request: { ...base.request, messages: [{ role: "user" as const, content: "Hi", images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }] }] } },
    { ...base, request: { ...base.request, messages: [{ role: "user" as const, content: "Hi", images: [{ mediaType: "image/png", data: "R0lGODlhAQ==" }] }] } },
    {
      ...base,
      request: {
        ...base.request,
        messages: [{ role: "assistant" as const, content: null, toolCalls: [{ id: "c1", type: "function" as const, function: { name: "f", arguments: "{}" } }] }],
      },
    },
  ];
  const digests = new Set(variants.map(requestDigest));
  assert.equal(digests.size, variants.length, "every variant has a digest of its own");
  assert.ok(!digests.has(digest));
});

test("a field given as null and one left out are the same request, as OpenAI treats them", () => {
  assert.equal(requestDigest({ ...base, request: { ...base.request, topP: undefined } }), requestDigest(base));
});
