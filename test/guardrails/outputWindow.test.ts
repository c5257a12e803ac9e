/**
 * The streamed-answer checker on its own: however an answer is cut into chunks, what it releases adds up to the
 * whole answer masked as one text, and no part of a match ever leaves before the match is decided.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createOutputWindow } from "../../src/guardrails/createOutputWindow.js";
import { compileRule } from "../../src/guardrails/compileRule.js";
import type { ScanRule } from "../../src/guardrails/guardrailRule.js";
import { guardrailRuleSchema } from "../../src/config/guardrailsSchema.js";
import { scanText } from "../../src/guardrails/scanText.js";
import { Agent } from "undici";
import { isGatewayError } from "../../src/errors.js";

const agent = new Agent();
after(() => agent.close());
const scan = (config: Record<string, unknown>) => compileRule(guardrailRuleSchema.parse(config), agent) as ScanRule;
const pii = scan({ name: "pii", kind: "pii" });
const banned = scan({ name: "banned", kind: "denylist", words: ["project falcon"], action: "refuse" });

function streamed(chunks: readonly string[], rules: readonly ScanRule[], windowChars = 8, overlapChars = 40): { released: string[]; error?: unknown } {
  const window = createOutputWindow({ scans: rules, windowChars, overlapChars, onEnd: () => undefined });
  const released: string[] = [];
  try {
    for (const chunk of chunks) released.push(window.push(chunk) as string);
    released.push(window.flush() as string);
    return { released };
  } catch (error) {
    return { released, error };
  } finally {
    window.end();
  }
}

const answer = "Sure. You can write to john.smith@example.com or call +44 20 7946 0958; the card 4111 1111 1111 1111 is a test one. Bye!";

test("every two-way and three-way split of an answer is masked as the whole answer is", () => {
  const whole = scanText(answer, [pii]).text;
  assert.equal(whole, "Sure. You can write to [EMAIL] or call [PHONE]; the card [CARD] is a test one. Bye!");
  for (let i = 1; i < answer.length; i++) {
    const { released } = streamed([answer.slice(0, i), answer.slice(i)], [pii]);
    assert.equal(released.join(""), whole, `split at ${i}`);
  }
  for (let i = 1; i < answer.length; i += 3) {
    for (let j = i + 1; j < answer.length; j += 5) {
      assert.equal(streamed([answer.slice(0, i), answer.slice(i, j), answer.slice(j)], [pii]).released.join(""), whole, `split at ${i}, ${j}`);
    }
  }
});

test("token-sized chunks: text is released as it goes, never a piece of an address", () => {
  const chunks = answer.match(/.{1,3}/gs) ?? [];
  const { released } = streamed(chunks, [pii]);
  assert.equal(released.join(""), scanText(answer, [pii]).text);
  assert.ok(released.filter((piece) => piece !== "").length > 3, "released in several windows, not all at the end");
  for (const piece of released) assert.doesNotMatch(piece, /john|example|7946|1111/);
});

test("a refusing rule throws before any part of its match was released", () => {
  const text = "Here is the plan for project falcon, as discussed.";
  for (let i = 1; i < text.length; i++) {
    const { released, error } = streamed([text.slice(0, i), text.slice(i)], [pii, banned]);
    assert.ok(isGatewayError(error) && error.code === "guardrail_refused" && error.rule === "banned", `split at ${i}`);
    assert.doesNotMatch(released.join(""), /falcon/i);
  }
});

test("whole words only: a denylisted word inside another word is left alone", () => {
  const word = scan({ name: "word", kind: "denylist", words: ["ass"], placeholder: "***" });
  assert.equal(streamed(["The class of ", "ass", "ets; an ass."], [word]).released.join(""), "The class of assets; an ***.");
});

test("a match longer than the overlap that started in released text still has its held part masked", () => {
  const long = `x ${"a".repeat(50)}@example.com y`;
  assert.equal(scanText(long, [pii]).text, "x [EMAIL] y");
  const { released } = streamed([long.slice(0, 40), long.slice(40)], [pii], 4, 16);
  assert.equal(released[0], `x ${"a".repeat(22)}`, "the start went out before the address was whole");
  assert.equal(released.join(""), `x ${"a".repeat(22)}[EMAIL] y`);
});
