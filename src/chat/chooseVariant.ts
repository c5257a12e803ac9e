import type { Store } from "../store/openStore.js";
import type { Variant } from "../store/experiments.js";
import type { ChatRequest } from "../engines/spec.js";
import { assignVariant } from "../experiments/assignVariant.js";
import { guardStore } from "./guardStore.js";

export interface ChosenVariant {
  experimentId: string;
  variant: Variant;
  /** The variant's generation parameters, in the engine contract's terms. */
  params: Pick<ChatRequest, "temperature" | "topP" | "maxTokens">;
}

/**
 * The A/B variant for this turn, if a running experiment applies to what the request asked for (`auto` when it
 * names no engine). Assignment is a hash of the user (or session), so it is the same on every replica and turn.
 */
export async function chooseVariant(
  store: Store,
  request: { engine?: string | undefined; userId: string },
  sessionId: string,
): Promise<ChosenVariant | undefined> {
  const experiment = await guardStore(() => store.experiments.running(request.engine ?? "auto"));
  if (!experiment) return undefined;
  const variant = assignVariant(experiment, { userId: request.userId, sessionId });
  const params: ChosenVariant["params"] = {};
  if (variant.params?.temperature !== undefined) params.temperature = variant.params.temperature;
  if (variant.params?.topP !== undefined) params.topP = variant.params.topP;
  if (variant.params?.maxTokens !== undefined) params.maxTokens = variant.params.maxTokens;
  return { experimentId: experiment.id, variant, params };
}
