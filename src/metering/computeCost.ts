/**
 * What a request costs, from the engine's reported usage and the configured price of its `engine/model`.
 * Prices are USD per million tokens. Following OpenAI's usage, cached tokens are part of the input tokens and
 * reasoning tokens are part of the output tokens, so each is billed once: at its own rate when one is set, at
 * the plain input or output rate otherwise.
 */
import type { PricingConfig } from "../config/securitySchema.js";
import type { Usage } from "../engines/spec.js";

export type Price = PricingConfig[string];

const PER_MILLION = 1_000_000;

/** The price of `engine/model`, or undefined when none is configured (such requests cost 0). */
export function priceFor(pricing: Readonly<PricingConfig>, engine: string, model: string): Price | undefined {
  return pricing[`${engine}/${model}`];
}

export function computeCost(usage: Usage, price: Price | undefined): number {
  if (price === undefined) return 0;
  const input = Math.max(0, usage.inputTokens);
  const output = Math.max(0, usage.outputTokens);
  // An engine reporting more cached than input tokens (or more reasoning than output) is clamped rather than
  // allowed to produce a negative term.
  const cached = Math.min(input, Math.max(0, usage.cachedInputTokens ?? 0));
  const reasoning = Math.min(output, Math.max(0, usage.reasoningTokens ?? 0));
  const micro =
    (input - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    (output - reasoning) * price.output +
    reasoning * (price.reasoning ?? price.output);
  return micro / PER_MILLION;
}

/**
 * The most a request can cost on one target: every input token at the full input rate (a cache hit is never
 * assumed) and every output token at the dearer of the output and reasoning rates.
 */
export function worstCaseCost(inputTokens: number, outputTokens: number, price: Price | undefined): number {
  if (price === undefined) return 0;
  const outputRate = Math.max(price.output, price.reasoning ?? price.output);
  return (inputTokens * price.input + outputTokens * outputRate) / PER_MILLION;
}
