/**
 * The rate limits' own cost per chat request, in process (`node dist/bench/limitsHotPath.js`, a minute or so):
 * microseconds per take() + spent() + consume(), and per the four calls a chat request makes (spent and take in
 * the HTTP hook, check in the meter, consume once it settled), on the memory store with limits high enough never
 * to refuse. "awaited" awaits every call, as an async caller does; "as returned" awaits only what came back as a
 * promise, which is what a synchronous caller pays. Principals are either one object per key, as a cache of
 * principals hands out, or a new object per request (a JWT's, or an authenticator that caches none).
 */
import { rateLimitsSchema } from "../src/config/securitySchema.js";
import { createRateLimits, type RateLimits } from "../src/limits/createRateLimits.js";
import type { Principal } from "../src/auth/principal.js";
import { median } from "./percentiles.js";

const ITERATIONS = 200_000;
const ROUNDS = 7;
const KEYS = 1_000;

type Step = (limits: RateLimits, principal: Principal) => unknown;

const threeCalls: Step[] = [
  (limits, principal) => limits.requests.take(principal, "chat"),
  (limits, principal) => limits.tokens.spent(principal),
  (limits, principal) => limits.tokens.consume(principal, 120),
];
const chatRequest: Step[] = [
  (limits, principal) => limits.tokens.spent(principal),
  (limits, principal) => limits.requests.take(principal, "chat"),
  (limits, principal) => limits.tokens.check(principal),
  (limits, principal) => limits.tokens.consume(principal, 120),
];

const principalOf = (i: number): Principal => ({ kind: "key", userId: `user-${i % 100}`, role: "user", keyId: `key-${i}` });

async function run(steps: Step[], awaitAll: boolean, freshPrincipals: boolean): Promise<number> {
  const limits = createRateLimits(
    rateLimitsSchema.parse({ perKey: { chat: { rpm: 1e12, tpm: 1e15 } }, perUser: { chat: { rpm: 1e12, tpm: 1e15 } } }),
  );
  const principals = Array.from({ length: KEYS }, (_, i) => principalOf(i));
  const perRound: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) {
      const principal = freshPrincipals ? principalOf(i % KEYS) : principals[i % KEYS]!;
      for (const step of steps) {
        const result = step(limits, principal);
        if (awaitAll || result instanceof Promise) await result;
      }
    }
    // Round 0 warms the JIT up and is not counted.
    if (round > 0) perRound.push(Number(process.hrtime.bigint() - started) / 1000 / ITERATIONS);
  }
  return median(perRound);
}

const rows: string[] = [];
for (const [label, steps] of [["take + spent + consume", threeCalls], ["chat request (spent, take, check, consume)", chatRequest]] as const) {
  for (const awaitAll of [true, false]) {
    for (const fresh of [false, true]) {
      const us = await run([...steps], awaitAll, fresh);
      rows.push(`${label.padEnd(44)} ${(awaitAll ? "awaited" : "as returned").padEnd(12)} ${(fresh ? "new principal" : "same principal").padEnd(15)} ${us.toFixed(3)} µs`);
    }
  }
}
console.log(`${ITERATIONS} sequences per round, median of ${ROUNDS} rounds, ${KEYS} keys over 100 users`);
for (const row of rows) console.log(row);
