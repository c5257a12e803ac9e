/**
 * The Prometheus metrics of one gateway, on a registry of its own (never prom-client's global default one), so
 * several gateways in one process — tests — keep separate counts. The recording helpers at the bottom are what the
 * pipelines call at their seams; each is a line or two there.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Usage } from "../engines/spec.js";
import type { PoolStats } from "../store/openStore.js";
import type { MeterOutcome, MeterTicket } from "../metering/createMeter.js";

const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const ttftBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const httpBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  readonly registry: Registry;
  readonly chatStreamStarted: Counter;
  readonly chatStreamCompleted: Counter;
  readonly chatStreamErrors: Counter<"engine" | "error">;
  readonly chatStreamDuration: Histogram;
  readonly chatTokens: Counter<"type">;
  readonly chatStreamsConcurrent: Gauge;
  readonly engineRequests: Counter<"engine" | "model" | "status">;
  readonly engineLatency: Histogram<"engine" | "model">;
  readonly engineTtft: Histogram<"engine" | "model">;
  readonly httpRequestDuration: Histogram<"route" | "method" | "status">;
  readonly rateLimited: Counter;
  readonly budgetRejections: Counter;
  /** One per guardrail rule a request's stage ran: allow, mask, refuse, rewrite, or error (a webhook that failed). */
  readonly guardrailVerdicts: Counter<"rule" | "action">;
  readonly circuitBreakerState: Gauge<"engine">;
  readonly gatewayOverhead: Histogram<"api">;
  readonly toolExecutions: Counter<"tool" | "status">;
  readonly toolDuration: Histogram<"tool">;
  readonly cacheRequests: Counter<"result">;
  /** Semantic cache lookups on routes that opted in, by result (hit, miss, error, ineligible). */
  readonly semanticCacheLookups: Counter<"result">;
  /** The best similarity each lookup found in its scope (none when the scope held no entry). */
  readonly semanticCacheScore: Histogram;
  /** Answers offered to the semantic cache, by result (stored, skipped: not storable, error). */
  readonly semanticCacheWrites: Counter<"result">;
  readonly storeQueryDuration: Histogram<"operation">;
  readonly storeSlowQueries: Counter<"operation">;
  readonly storePoolConnections: Gauge<"state">;
  readonly budgetThresholdAlerts: Counter<"subject" | "threshold">;
  readonly usageCost: Counter<"engine" | "model">;
  readonly requestsShed: Counter<"reason">;
  readonly jobs: Counter<"name" | "result">;
  readonly jobsWaiting: Gauge<"name">;
  /** Where jobs_waiting reads its values at each scrape. */
  observeJobs(source: () => Promise<Record<string, number>>): void;
  readonly retrievalDuration: Histogram<"outcome">;
  /** Every retrieval (search route, chat retrieval, tools) by mode and outcome. */
  readonly retrieverDuration: Histogram<"mode" | "outcome">;
  /** Where store_pool_connections reads its values at each scrape. */
  observeStorePool(source: () => PoolStats): void;
}

export interface MetricsOptions {
  /** Node.js process metrics (collectDefaultMetrics) on this registry; default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  let poolSource: (() => PoolStats) | undefined;
  let jobsSource: (() => Promise<Record<string, number>>) | undefined;
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    chatStreamStarted: new Counter({ name: "chat_stream_started_total", help: "Chat requests admitted (streamed or not).", registers }),
    chatStreamCompleted: new Counter({ name: "chat_stream_completed_total", help: "Chat requests that completed.", registers }),
    chatStreamErrors: new Counter({
      name: "chat_stream_errors_total",
      help: "Chat requests that failed or were cut off, by engine (none: before any engine served) and error code.",
      labelNames: ["engine", "error"] as const,
      registers,
    }),
    chatStreamDuration: new Histogram({
      name: "chat_stream_duration_seconds",
      help: "Duration of admitted chat requests, start to end.",
      buckets: latencyBuckets,
      registers,
    }),
    chatTokens: new Counter({
      name: "chat_tokens",
      help: "Tokens of settled chat requests as reported by the engines, by type (input, output, cached, reasoning).",
      labelNames: ["type"] as const,
      registers,
    }),
    chatStreamsConcurrent: new Gauge({ name: "chat_streams_concurrent", help: "Chat requests in progress.", registers }),
    engineRequests: new Counter({
      name: "llm_engine_requests_total",
      help: "Requests to engines, by outcome (ok, an error code, or cancelled).",
      labelNames: ["engine", "model", "status"] as const,
      registers,
    }),
    engineLatency: new Histogram({
      name: "llm_engine_latency_seconds",
      help: "Engine request duration, from opening the target to the end of its stream.",
      labelNames: ["engine", "model"] as const,
      buckets: latencyBuckets,
      registers,
    }),
    engineTtft: new Histogram({
      name: "llm_engine_ttft_seconds",
      help: "Engine time to first token (retries included).",
      labelNames: ["engine", "model"] as const,
      buckets: ttftBuckets,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by route pattern, method and status.",
      labelNames: ["route", "method", "status"] as const,
      buckets: httpBuckets,
      registers,
    }),
    rateLimited: new Counter({ name: "rate_limited_total", help: "Requests refused with rate_limited (429).", registers }),
    budgetRejections: new Counter({ name: "budget_rejections_total", help: "Requests refused with budget_exceeded (402).", registers }),
    guardrailVerdicts: new Counter({
      name: "guardrail_verdicts_total",
      help: "Guardrail verdicts, by rule and action (allow, mask, refuse, rewrite; error: a webhook rule that failed or timed out).",
      labelNames: ["rule", "action"] as const,
      registers,
    }),
    circuitBreakerState: new Gauge({
      name: "circuit_breaker_state",
      help: "Circuit breaker state per engine: 0 closed, 1 open, 2 half-open.",
      labelNames: ["engine"] as const,
      registers,
    }),
    gatewayOverhead: new Histogram({
      name: "gateway_overhead_seconds",
      help: "Time a chat request spends in the gateway before its first engine call (auth, limits, budget, store, routing), by API.",
      labelNames: ["api"] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    toolExecutions: new Counter({
      name: "tool_executions_total",
      help: "Server-side tool executions, by tool and outcome (ok, error, timeout).",
      labelNames: ["tool", "status"] as const,
      registers,
    }),
    toolDuration: new Histogram({
      name: "tool_duration_seconds",
      help: "Server-side tool execution time.",
      labelNames: ["tool"] as const,
      buckets: latencyBuckets,
      registers,
    }),
    cacheRequests: new Counter({
      name: "cache_requests_total",
      help: "Response cache lookups, by result (hit, miss, bypass), and stale answers served when every engine failed (stale).",
      labelNames: ["result"] as const,
      registers,
    }),
    semanticCacheLookups: new Counter({
      name: "semantic_cache_lookups_total",
      help: "Semantic cache lookups on routes that opted in, by result (hit, miss, error: embedding or store failed, ineligible: multi-turn, images, bypass…).",
      labelNames: ["result"] as const,
      registers,
    }),
    semanticCacheScore: new Histogram({
      name: "semantic_cache_best_score",
      help: "The best cosine similarity a semantic cache lookup found among its scope's entries (lookups of an empty scope are not observed).",
      buckets: [0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 1],
      registers,
    }),
    semanticCacheWrites: new Counter({
      name: "semantic_cache_writes_total",
      help: "Answers offered to the semantic cache after a miss, by result (stored, skipped: tool calls or too large, error).",
      labelNames: ["result"] as const,
      registers,
    }),
    storeQueryDuration: new Histogram({
      name: "store_query_duration_seconds",
      help: "Store query duration, by operation (select, insert, update, delete, other).",
      labelNames: ["operation"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    storeSlowQueries: new Counter({
      name: "store_slow_queries_total",
      help: "Store queries slower than store.slowQueryMs, by operation.",
      labelNames: ["operation"] as const,
      registers,
    }),
    storePoolConnections: new Gauge({
      name: "store_pool_connections",
      help: "Store connection pool: total, idle, waiting (queued checkouts) and max connections.",
      labelNames: ["state"] as const,
      registers,
      collect() {
        if (!poolSource) return;
        const stats = poolSource();
        for (const state of ["total", "idle", "waiting", "max"] as const) this.set({ state }, stats[state]);
      },
    }),
    budgetThresholdAlerts: new Counter({
      name: "budget_threshold_alerts_total",
      help: "Budget thresholds crossed (budgets.alertAt), by subject (key, user) and threshold.",
      labelNames: ["subject", "threshold"] as const,
      registers,
    }),
    usageCost: new Counter({
      name: "usage_cost_usd_total",
      help: "Cost of settled requests in US dollars, by engine and model (from pricing).",
      labelNames: ["engine", "model"] as const,
      registers,
    }),
    retrievalDuration: new Histogram({
      name: "retrieval_duration_seconds",
      help: "Document searches (/api/v2/search: full-text top-k and graph expansion), by outcome (ok, error).",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    retrieverDuration: new Histogram({
      name: "retriever_duration_seconds",
      help: "Retrievals by any caller (search route, chat retrieval, tools), by mode (lexical, vector, hybrid) and outcome (ok, degraded: hybrid fell back to full text, error).",
      labelNames: ["mode", "outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    requestsShed: new Counter({
      name: "requests_shed_total",
      help: "Requests refused with 503 server_overloaded by load shedding, by reason (event_loop_delay, heap, rss).",
      labelNames: ["reason"] as const,
      registers,
    }),
    jobs: new Counter({
      name: "jobs_total",
      help: "Background job runs, by job name and result (completed, failed: the run threw, retried or not).",
      labelNames: ["name", "result"] as const,
      registers,
    }),
    jobsWaiting: new Gauge({
      name: "jobs_waiting",
      help: "Background jobs waiting or delayed, by job name (with Redis: across every replica).",
      labelNames: ["name"] as const,
      registers,
      async collect() {
        if (!jobsSource) return;
        // A scrape must answer even while Redis is away: the gauge keeps its last values then.
        const counts = await jobsSource().catch(() => undefined);
        for (const [name, count] of Object.entries(counts ?? {})) this.set({ name }, count);
      },
    }),
    observeStorePool(source) {
      poolSource = source;
    },
    observeJobs(source) {
      jobsSource = source;
    },
  };
}

export const breakerGaugeValue = { closed: 0, open: 1, "half-open": 2 } as const;

/**
 * Counts an admitted chat request (started, in progress) and records its end when the ticket settles: completed
 * or errored, its duration and the engine-reported tokens. Returns the ticket to use in its place. An error
 * before any engine served is labelled with the plan's engine when it has only one, else `none`.
 */
export function trackChat(ticket: MeterTicket, metrics: Metrics | undefined, planEngines: readonly string[] = []): MeterTicket {
  if (!metrics) return ticket;
  const distinct = new Set(planEngines);
  const planEngine = distinct.size === 1 ? (planEngines[0] as string) : "none";
  metrics.chatStreamStarted.inc();
  metrics.chatStreamsConcurrent.inc();
  let ended = false;
  return {
    maxTokens: ticket.maxTokens,
    settle(outcome: MeterOutcome) {
      ticket.settle(outcome);
      if (ended) return;
      ended = true;
      metrics.chatStreamsConcurrent.dec();
      metrics.chatStreamDuration.observe(outcome.latencyMs / 1000);
      if (outcome.status === "complete") metrics.chatStreamCompleted.inc();
      else metrics.chatStreamErrors.inc({ engine: outcome.engine ?? planEngine, error: outcome.errorCode ?? outcome.status });
      if (outcome.usage) countTokens(metrics, outcome.usage);
    },
  };
}

function countTokens(metrics: Metrics, usage: Usage): void {
  const add = (type: string, value: number | undefined) => {
    if (value !== undefined && value > 0) metrics.chatTokens.inc({ type }, value);
  };
  add("input", usage.inputTokens);
  add("output", usage.outputTokens);
  add("cached", usage.cachedInputTokens);
  add("reasoning", usage.reasoningTokens);
}
