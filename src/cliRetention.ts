/**
 * `switchyard retention run --config FILE [--dry-run]`: one usage roll-up and retention run on the configured
 * store, for operators who schedule it with cron rather than the gateway's background jobs. Counts go to stdout;
 * exit 0 on success (also when another run held the lock), 1 when the work failed or was interrupted, 2 for bad
 * usage.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./config/loadConfig.js";
import { isGatewayError } from "./errors.js";
import { openStore } from "./store/openStore.js";
import { rollUpRecentUsage } from "./retention/rollUpUsage.js";
import { purgeExpired } from "./retention/purgeExpired.js";
import type { CliOutput } from "./cliKeys.js";

export const retentionUsage = `usage: switchyard retention run --config FILE [--dry-run]

  run   roll up the recent days of usage (today, usage.rollupLookbackDays before it, and any older day never
        rolled up), then remove what retention.sessionsDays and retention.ledgerDays say has expired
        (retention.mode archive: written to retention.archiveDir first). Ledger rows go only with whole days
        that are rolled up. Safe to run while gateways run, and on several hosts: one run at a time does the work.

options:
  --config, -c FILE   YAML configuration file
  --dry-run           count what would be removed; roll up and change nothing
  --help, -h          show this help`;

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const options = {
  config: { type: "string", short: "c" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const parse = (argv: string[]) => parseArgs({ args: argv, allowPositionals: true, options });

export async function retentionCommand(argv: string[], out: CliOutput = processOutput): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.stderr(`${(error as Error).message}\n${retentionUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(`${retentionUsage}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== "run") {
    out.stderr(`switchyard retention takes one command: run\n${retentionUsage}\n`);
    return 2;
  }
  const dryRun = values["dry-run"] === true;
  const { config } = loadConfig({ path: values.config });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const store = await openStore(config.store.url);
    try {
      const now = Date.now();
      if (!dryRun) {
        const rolled = await rollUpRecentUsage(store, config.usage, { now, signal: controller.signal });
        const sealed = rolled.sealed.length > 0 ? ` (${rolled.sealed.length} purged day(s) left as they were)` : "";
        out.stdout(`usage roll-up: ${rolled.rolledUp.length} day(s) recomputed${sealed}\n`);
      }
      const result = await purgeExpired(store, config.retention, { now, signal: controller.signal, dryRun });
      if (!result.ran) {
        out.stdout("retention: another run holds the lock; nothing was done\n");
        return 0;
      }
      const verb = dryRun ? "would delete" : "deleted";
      out.stdout(`retention${dryRun ? " (dry run)" : ""}: ${verb} sessions=${result.deleted.sessions} messages=${result.deleted.messages} usage_ledger=${result.deleted.usageLedger} request_bodies=${result.deleted.requestBodies}\n`);
      if (result.ledgerDaysKept.length > 0) out.stdout(`ledger days kept (not rolled up yet, or changed since): ${result.ledgerDaysKept.join(", ")}\n`);
      for (const file of result.archives) out.stdout(`archived: ${file}\n`);
      if (result.interrupted) {
        out.stderr("switchyard retention: interrupted; the counts above are what was done\n");
        return 1;
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (controller.signal.aborted) {
      out.stderr("switchyard retention: interrupted\n");
      return 1;
    }
    if (isGatewayError(error)) {
      out.stderr(`switchyard retention: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
