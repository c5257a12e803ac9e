/**
 * Builds the meter from the configuration: prices, budgets over in-memory counters loaded from the ledger, and
 * the batched ledger writer. main.ts wires its inputs; this only assembles the metering parts.
 */
import type { Config } from "../config/schema.js";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { UsageLedger } from "../store/usageLedger.js";
import { createMemoryBudgetCounters, type BudgetCounters } from "./budgetCounters.js";
import { createBudgets, type ThresholdAlert } from "./createBudgets.js";
import { createLedgerWriter, type LedgerWriter } from "./createLedgerWriter.js";
import { createMeter, type Meter, type MeterDeps, type TokenGate } from "./createMeter.js";

export interface MeteringDeps {
  config: Pick<Readonly<Config>, "pricing" | "budgets">;
  usage: UsageLedger;
  logger: Logger;
  tokens?: TokenGate | undefined;
  onAlert?: ((alert: ThresholdAlert) => void) | undefined;
  onCost?: MeterDeps["onCost"];
  /** Shared budget counters (Redis); this process's own when absent. */
  budgetCounters?: BudgetCounters | undefined;
  /** The ledger writer, when others write rows too (a guardrail's refusals); one of its own when absent. */
  ledger?: LedgerWriter | undefined;
  /** Ledger rows per transaction of a writer of its own (see LedgerWriterOptions.maxBatch). */
  ledgerBatchRows?: number | undefined;
}

export function createMetering(deps: MeteringDeps): Meter {
  const { config, usage, logger } = deps;
  return createMeter({
    pricing: config.pricing,
    defaultMaxTokens: config.budgets.defaultMaxTokens,
    budgets: createBudgets({
      counters: deps.budgetCounters ?? createMemoryBudgetCounters(),
      perUser: config.budgets.perUser,
      alertAt: config.budgets.alertAt,
      // Budgets fail closed: without the window's spend nothing is reserved, and the client hears why (503).
      spentSince: (subject, since) =>
        usage.spentSince(subject, since).catch((error: unknown) => {
          throw new GatewayError("store_unavailable", "budgets cannot be checked: the usage store is unavailable", { cause: error, retryAfterSeconds: 2 });
        }),
    }),
    ledger: deps.ledger ?? createLedgerWriter({ append: (records) => usage.append(records), logger, maxBatch: deps.ledgerBatchRows }),
    tokens: deps.tokens,
    onAlert: deps.onAlert,
    onCost: deps.onCost,
    logger,
  });
}
