/**
 * A pii guardrail masking over real HTTP, on every API family: an address the upstream streams split across
 * chunks ("john@exa" + "mple.com") reaches the client as [EMAIL] and never in pieces, whole answers are masked
 * too, the session keeps the masked answer, and a masked prompt is what the upstream receives.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type MessageView, type Page } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import { postJson } from "../support/readSse.js";
import { apiFamilies, bodyFor, post, stream } from "./guardrailClient.js";

let mock: MockUpstream;
let gateway: TestGateway;

const chunks = ["Sure: write to john@exa", "mple.com", " or call +44 20 ", "7946 0958. Anything else", "?"];
const masked = "Sure: write to [EMAIL] or call [PHONE]. Anything else?";

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { enabled: false },
    cache: { enabled: true },
    guardrails: { rules: [{ name: "pii", kind: "pii", entities: ["email", "phone", "card"] }], apply: ["pii"] },
  });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ chunks });
});

for (const family of apiFamilies) {
  test(`${family}: an address split across streamed chunks reaches the client masked, never in pieces`, async () => {
    const streamed = await stream(gateway, family, "How do I reach you?", "vllm/mock-model");
    assert.equal(streamed.status, 200, streamed.raw);
    assert.equal(streamed.text, masked);
    for (const piece of ["john", "exa", "mple.com", "7946", "0958"]) assert.ok(!streamed.raw.includes(piece), `${piece} went over the wire`);
  });
}

for (const family of ["chat", "messages", "responses"] as const) {
  test(`${family}: a whole answer is masked too`, async () => {
    const response = await post(gateway, family, bodyFor(family, "How do I reach you?", "vllm/mock-model", false));
    assert.equal(response.status, 200);
    const raw = await response.text();
    assert.ok(raw.includes("[EMAIL]") && raw.includes("[PHONE]"), raw);
    assert.ok(!raw.includes("john@example.com") && !raw.includes("7946"), raw);
  });
}

test("session: the stored answer is the masked one, as the client saw it", async () => {
  const streamed = await stream(gateway, "session", "How do I reach you?", "vllm/mock-model");
  const meta = JSON.parse(streamed.events[0]?.data ?? "{}") as { sessionId: string };
  const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${meta.sessionId}/messages`));
  assert.deepEqual(
    messages.data.map((m) => [m.role, m.content, m.status]),
    [
      ["user", "How do I reach you?", "complete"],
      ["assistant", masked, "complete"],
    ],
  );
});

test("a prompt is masked before it leaves: the upstream and the session see [EMAIL], not the address", async () => {
  mock.script = () => ({ chunks: ["Noted."] });
  const chat = await post(gateway, "chat", bodyFor("chat", "My card is 4111 1111 1111 1111 and my mail jane@example.org", "vllm/mock-model", false));
  assert.equal(chat.status, 200);
  const sent = mock.requests[0]?.body.messages as Array<{ content: string }>;
  assert.equal(sent.at(-1)?.content, "My card is [CARD] and my mail [EMAIL]");

  const turn = await stream(gateway, "session", "Reply to jane@example.org please", "vllm/mock-model");
  assert.equal((mock.requests[1]?.body.messages as Array<{ content: string }>).at(-1)?.content, "Reply to [EMAIL] please");
  const meta = JSON.parse(turn.events[0]?.data ?? "{}") as { sessionId: string };
  const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${meta.sessionId}/messages`));
  assert.equal(messages.data[0]?.content, "Reply to [EMAIL] please");
});

test("an answer with nothing to mask arrives whole, and a long one in several windows as it streams", async () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i} `);
  mock.script = () => ({ chunks: words });
  const streamed = await stream(gateway, "chat", "Talk", "vllm/mock-model");
  assert.equal(streamed.text, words.join(""));
  const deltas = streamed.events.filter((event) => event.data.includes('"content"')).length;
  assert.ok(deltas > 5 && deltas < words.length, `${deltas} content chunks: windows, not one at the end nor one per upstream chunk`);
});

test("a queued chat job's answer is masked like a direct one", async () => {
  const submitted = await postJson(`${gateway.url}/api/v2/chat/jobs`, bodyFor("chat", "How do I reach you?", "vllm/mock-model", false));
  assert.equal(submitted.status, 202);
  const { id } = (await submitted.json()) as { id: string };
  const job = await eventually(async () => {
    const view = await jsonOf<{ status: string; result?: { choices: Array<{ message: { content: string } }> } }>(fetch(`${gateway.url}/api/v2/chat/jobs/${id}`));
    return view.status === "completed" ? view : undefined;
  }, 5000, "the job to complete");
  assert.equal(job.result?.choices[0]?.message.content, masked);
});

test("a cached answer is checked again on every hit: the stored entry is the engine's, the client gets it masked", async () => {
  const body = { ...bodyFor("chat", "Cache this", "vllm/mock-model", false), temperature: 0 };
  const bodies: string[] = [];
  for (let i = 0; i < 2; i++) {
    const response = await post(gateway, "chat", body);
    assert.equal(response.headers.get("x-switchyard-cache"), i === 0 ? "miss" : "hit");
    bodies.push(await response.text());
  }
  const streamedHit = await post(gateway, "chat", { ...body, stream: true });
  assert.equal(streamedHit.headers.get("x-switchyard-cache"), "hit");
  bodies.push(await streamedHit.text());
  assert.equal(mock.requests.length, 1, "one engine call, then hits");
  for (const text of bodies) assert.ok(text.includes("[EMAIL]") && !text.includes("john@") && !text.includes("mple.com"), text);
});
