/**
 * Outcomes per variant of one experiment, from the assistant messages it served. Counts and sums come from one
 * grouped query; percentiles need the values themselves, so a second query reads the durations and they are
 * summarised here (fine at the scale of a self-hosted gateway; a sketch column would replace it at larger ones).
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { VariantResult } from "./experiments.js";
import { summarizeDurations } from "./summarizeDurations.js";

interface Totals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  feedbackMean: number | null;
  feedbackCount: number;
}

/**
 * One result per configured variant in configured order (zeros when unused), then any variant that served
 * messages but has since been removed from the experiment, by name, so editing variants never hides data.
 */
export async function experimentResults(
  db: Kysely<Database>,
  experimentId: string,
  configured: readonly string[],
): Promise<VariantResult[]> {
  const served = db
    .selectFrom("messages")
    .where("experiment_id", "=", experimentId)
    .where("variant", "is not", null)
    .where("role", "=", "assistant");

  const totalsRows = await served
    .select((eb) => [
      "variant",
      eb.fn.countAll<number>().as("requests"),
      // Client aborts are stored with error_code null: they are not the variant's failures.
      eb.fn.count<number>("error_code").as("errors"),
      eb.fn.sum<number | null>("input_tokens").as("input_tokens"),
      eb.fn.sum<number | null>("output_tokens").as("output_tokens"),
      eb.fn.avg<number | null>("feedback_score").as("feedback_mean"),
      eb.fn.count<number>("feedback_score").as("feedback_count"),
    ])
    .groupBy("variant")
    .execute();

  const durationRows = await served
    .select(["variant", "latency_ms", "ttft_ms"])
    .where((eb) => eb.or([eb("latency_ms", "is not", null), eb("ttft_ms", "is not", null)]))
    .execute();

  const totals = new Map<string, Totals>();
  for (const row of totalsRows) {
    if (row.variant === null) continue;
    totals.set(row.variant, {
      requests: Number(row.requests),
      errors: Number(row.errors),
      inputTokens: Number(row.input_tokens ?? 0),
      outputTokens: Number(row.output_tokens ?? 0),
      feedbackMean: row.feedback_mean === null ? null : Number(row.feedback_mean),
      feedbackCount: Number(row.feedback_count),
    });
  }
  const latencies = new Map<string, number[]>();
  const ttfts = new Map<string, number[]>();
  for (const row of durationRows) {
    if (row.variant === null) continue;
    if (row.latency_ms !== null) push(latencies, row.variant, row.latency_ms);
    if (row.ttft_ms !== null) push(ttfts, row.variant, row.ttft_ms);
  }

  const removed = [...totals.keys()].filter((name) => !configured.includes(name)).sort();
  return [...configured, ...removed].map((name) => {
    const t = totals.get(name);
    const requests = t?.requests ?? 0;
    const errors = t?.errors ?? 0;
    return {
      variant: name,
      requests,
      errors,
      errorRate: requests === 0 ? 0 : errors / requests,
      latencyMs: summarizeDurations(latencies.get(name) ?? []),
      ttftMs: summarizeDurations(ttfts.get(name) ?? []),
      tokens: { input: t?.inputTokens ?? 0, output: t?.outputTokens ?? 0 },
      feedback: { mean: t?.feedbackMean ?? null, count: t?.feedbackCount ?? 0 },
    };
  });
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const values = map.get(key);
  if (values === undefined) map.set(key, [value]);
  else values.push(value);
}
