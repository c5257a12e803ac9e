/**
 * The seam both chat pipelines meter through. `begin` runs before the router: it checks the token rate limit
 * and reserves the request's worst-case cost in every budget that applies (throwing `rate_limited` or
 * `budget_exceeded` when it cannot); the ticket's `settle` runs once however the request ended and records it:
 * a ledger row, the budget settled to the real cost, the tokens counted against the rate limit, and any budget
 * alert raised. Settling never throws and never waits, so it is safe in `finally` blocks.
 */
import type { Principal } from "../auth/principal.js";
import type { PricingConfig } from "../config/securitySchema.js";
import type { ChatMessage, ToolDefinition, Usage } from "../engines/spec.js";
import { isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { UsageStatus } from "../store/usageLedger.js";
import { blankUsageRecord } from "./blankUsageRecord.js";
import { computeCost, priceFor, worstCaseCost } from "./computeCost.js";
import type { Budgets, BudgetHold, ThresholdAlert } from "./createBudgets.js";
import { estimatePromptTokens, estimateTokens } from "./estimateTokens.js";
import type { LedgerWriter } from "./createLedgerWriter.js";
import type { TokenLimiter } from "../limits/createRateLimits.js";

/** The token side of the rate limits: `check` throws `rate_limited`, `consume` counts a finished request. */
export type TokenGate = Pick<TokenLimiter, "check" | "consume">;

export interface MeterRequest {
  principal: Principal;
  /** The plan's targets as `engine/model`: the worst case is priced on the dearest of them. */
  targets: readonly string[];
  messages: readonly ChatMessage[];
  tools?: readonly ToolDefinition[] | undefined;
  maxTokens?: number | undefined;
  /** The prompt's size when it is not chat messages (embedding inputs): replaces the estimate from `messages`. */
  promptTokens?: number | undefined;
  /** What the client asked for: a route name, `auto`, or `engine/model`. */
  route: string;
  traceId: string;
  requestId: string;
}

export interface MeterOutcome {
  /** The engine and model that served the request; absent when none did. */
  engine?: string | undefined;
  model?: string | undefined;
  usage?: Usage | undefined;
  /** Output text the client was sent, in UTF-8 bytes: the output is estimated from it when no usage was reported. */
  outputBytes?: number | undefined;
  status: Exclude<UsageStatus, "rejected">;
  errorCode?: string | null | undefined;
  latencyMs: number;
  ttftMs?: number | undefined;
}

export interface MeterTicket {
  /**
   * The output limit the pipeline must send when the client set none and a priced budget applies: without it
   * an answer could run past the reserved worst case and spend beyond the budget. Undefined otherwise.
   */
  readonly maxTokens: number | undefined;
  /** Only the first call counts. */
  settle(outcome: MeterOutcome): void;
}

export interface Meter {
  begin(request: MeterRequest): Promise<MeterTicket>;
  /** Writes buffered ledger rows, for reads that must include this replica's latest requests. */
  flush(): Promise<void>;
  /** Writes what is left of the ledger buffer; call after the HTTP drain, before the store closes. */
  close(): Promise<void>;
}

export interface MeterDeps {
  pricing: Readonly<PricingConfig>;
  defaultMaxTokens: number;
  budgets: Budgets;
  ledger: LedgerWriter;
  tokens?: TokenGate | undefined;
  onAlert?: ((alert: ThresholdAlert) => void) | undefined;
  /** The priced cost of each settled request that had one (metrics). */
  onCost?: ((cost: { engine: string; model: string; costUsd: number }) => void) | undefined;
  logger: Logger;
  now?: () => number;
}

export function createMeter(deps: MeterDeps): Meter {
  const now = deps.now ?? Date.now;
  const { logger } = deps;

  const quietly = (what: string, work: () => unknown): void => {
    try {
      Promise.resolve(work()).catch((error: unknown) => logger.error({ err: error }, what));
    } catch (error) {
      logger.error({ err: error }, what);
    }
  };

  return {
    async begin(request) {
      const createdAt = now();
      const started = performance.now();
      const promptTokens = request.promptTokens ?? estimatePromptTokens(request.messages, request.tools);
      let hold: BudgetHold;
      try {
        await deps.tokens?.check(request.principal);
        const outputTokens = request.maxTokens ?? deps.defaultMaxTokens;
        const worst = Math.max(0, ...request.targets.map((target) => worstCaseCost(promptTokens, outputTokens, deps.pricing[target])));
        hold = await deps.budgets.reserve(request.principal, worst, createdAt);
      } catch (error) {
        // Refusals are recorded too: the ledger is where an admin sees who hit a budget and when.
        deps.ledger.write({
          ...blankUsageRecord(request, createdAt),
          status: "rejected",
          latencyMs: Math.round(performance.now() - started),
          errorCode: isGatewayError(error) ? error.code : "internal_error",
        });
        throw error;
      }

      let settled = false;
      return {
        maxTokens: request.maxTokens === undefined && hold.reservedUsd > 0 ? deps.defaultMaxTokens : undefined,
        settle(outcome) {
          if (settled) return;
          settled = true;
          const { usage, estimated } = usageOf(outcome, promptTokens);
          const price = outcome.engine !== undefined && outcome.model !== undefined ? priceFor(deps.pricing, outcome.engine, outcome.model) : undefined;
          const costUsd = usage === undefined ? 0 : computeCost(usage, price);
          if (costUsd > 0 && outcome.engine !== undefined && outcome.model !== undefined) {
            deps.onCost?.({ engine: outcome.engine, model: outcome.model, costUsd });
          }
          quietly("settling a budget failed", async () => {
            for (const alert of await hold.settle(costUsd)) deps.onAlert?.(alert);
          });
          if (usage !== undefined && usage.totalTokens > 0 && deps.tokens !== undefined) {
            const tokens = deps.tokens;
            quietly("counting tokens against the rate limit failed", () => tokens.consume(request.principal, usage.totalTokens));
          }
          deps.ledger.write({
            ...blankUsageRecord(request, createdAt),
            engine: outcome.engine ?? null,
            model: outcome.model ?? null,
            inputTokens: usage?.inputTokens ?? 0,
            cachedInputTokens: usage?.cachedInputTokens ?? 0,
            outputTokens: usage?.outputTokens ?? 0,
            reasoningTokens: usage?.reasoningTokens ?? 0,
            costUsd,
            estimated,
            latencyMs: Math.round(outcome.latencyMs),
            ttftMs: outcome.ttftMs === undefined ? null : Math.round(outcome.ttftMs),
            status: outcome.status,
            errorCode: outcome.errorCode ?? null,
          });
        },
      };
    },
    flush: () => deps.ledger.flush(),
    close: () => deps.ledger.close(),
  };
}

/**
 * The engine's usage when it reported one. Otherwise, when the engine produced output (a stream cut by the
 * client or the upstream) or claims to have finished, the usage is estimated from the prompt and the output
 * sent: leaving such requests free would let a client that disconnects just before the end use any budget
 * without limit. A request that failed before any output costs nothing.
 */
function usageOf(outcome: MeterOutcome, promptTokens: number): { usage: Usage | undefined; estimated: boolean } {
  if (outcome.usage !== undefined) return { usage: outcome.usage, estimated: false };
  const outputBytes = outcome.outputBytes ?? 0;
  if (outcome.engine === undefined || (outputBytes === 0 && outcome.status !== "complete")) return { usage: undefined, estimated: false };
  const outputTokens = estimateTokens(outputBytes);
  return { usage: { inputTokens: promptTokens, outputTokens, totalTokens: promptTokens + outputTokens }, estimated: true };
}
