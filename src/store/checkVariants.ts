/**
 * The rules every experiment's variants obey, whoever writes them (HTTP, CLI, tests): assignment depends on them,
 * so the store enforces them rather than trusting each caller's schema.
 */
import { GatewayError } from "../errors.js";
import type { Variant } from "./experiments.js";

export const MAX_VARIANTS = 10;

/** Validated copies holding only the known fields (in a stable order), ready to be stored as JSON. */
export function checkVariants(variants: readonly Variant[]): Variant[] {
  const fail = (message: string): never => {
    throw new GatewayError("invalid_request", message, { param: "variants" });
  };
  if (variants.length < 1 || variants.length > MAX_VARIANTS) fail(`an experiment has 1 to ${MAX_VARIANTS} variants.`);
  const names = new Set<string>();
  for (const variant of variants) {
    if (variant.name === "") fail("every variant needs a name.");
    if (names.has(variant.name)) fail(`variant names must be unique; "${variant.name}" appears twice.`);
    names.add(variant.name);
    if (!Number.isFinite(variant.weight) || variant.weight < 0) fail(`variant "${variant.name}" needs a finite weight of at least 0.`);
  }
  if (!variants.some((variant) => variant.weight > 0)) fail("at least one variant needs a weight above 0.");
  return variants.map(copyVariant);
}

function copyVariant(variant: Variant): Variant {
  const copy: Variant = { name: variant.name, weight: variant.weight };
  if (variant.engine !== undefined) copy.engine = variant.engine;
  if (variant.model !== undefined) copy.model = variant.model;
  if (variant.system !== undefined) copy.system = variant.system;
  if (variant.params !== undefined) {
    const { temperature, topP, maxTokens } = variant.params;
    copy.params = {
      ...(temperature === undefined ? {} : { temperature }),
      ...(topP === undefined ? {} : { topP }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
    };
  }
  return copy;
}
