/**
 * `switchyard backup FILE` and `switchyard restore FILE --yes` on the store the configuration names, with no
 * server involved: SQLite through the online backup API, PostgreSQL through pg_dump / pg_restore from PATH.
 * Outcomes go to stdout, failures to stderr; exit 0 on success, 1 when the work failed, 2 for bad usage.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./config/loadConfig.js";
import { isGatewayError } from "./errors.js";
import { BackupError } from "./backup/BackupError.js";
import { backupStore } from "./backup/backupStore.js";
import { restoreStore } from "./backup/restoreStore.js";
import type { CliOutput } from "./cliKeys.js";

export const backupUsage = `usage: switchyard backup FILE --config FILE
       switchyard restore FILE --config FILE --yes

  backup FILE    copy the configured store to FILE while the server keeps running:
                 SQLite: a SQLite database file (online backup API);
                 PostgreSQL: a pg_dump custom-format archive (pg_dump -Fc)
  restore FILE   replace every table of the configured store with the backup's, then apply any newer
                 migrations. It destroys the current data, so it runs only with --yes.
                 SQLite: stop the server first (a store open in another process is refused).
                 PostgreSQL: scale the gateways to zero first; pg_restore --clean --if-exists --no-owner,
                 in one transaction.

options:
  --config, -c FILE   YAML configuration file (its store.url is the store backed up or restored)
  --yes               with restore: confirm that the store's current contents are to be replaced
  --help, -h          show this help

PostgreSQL needs pg_dump and pg_restore on PATH (Debian: postgresql-client), of the server's major version
or newer.`;

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const options = {
  config: { type: "string", short: "c" },
  yes: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const parse = (argv: string[]) => parseArgs({ args: argv, allowPositionals: true, options });

export async function backupCommand(command: "backup" | "restore", argv: string[], out: CliOutput = processOutput): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.stderr(`${(error as Error).message}\n${backupUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(`${backupUsage}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    out.stderr(`switchyard ${command} takes exactly one FILE\n${backupUsage}\n`);
    return 2;
  }
  if (command === "restore" && values.yes !== true) {
    out.stderr(
      `switchyard restore replaces every session, message, API key and usage row of the configured store with the backup's.\n` +
        `Nothing was changed. Run it again with --yes to go ahead (SQLite: with the server stopped).\n`,
    );
    return 2;
  }

  const { config } = loadConfig({ path: values.config });
  // SIGINT/SIGTERM (a CronJob's deadline, Ctrl-C) stop pg_dump / pg_restore and the SQLite copy, and the
  // partial files they were writing are removed.
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new BackupError(`${command} interrupted by ${signal}; nothing was kept`));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if (command === "backup") {
      const result = await backupStore(config.store.url, file, { signal: controller.signal });
      out.stdout(`backed up the ${result.dialect} store to ${result.file} (${result.bytes} bytes)\n`);
    } else {
      const result = await restoreStore(config.store.url, file, { signal: controller.signal });
      const upgraded = result.backupMigration === result.currentMigration ? "" : `, migrated from ${result.backupMigration} to ${result.currentMigration}`;
      out.stdout(`restored the ${result.dialect} store from ${file}${upgraded}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      out.stderr(`switchyard ${command}: ${error.message}\n`);
      return 1;
    }
    // openStore's failures (an unreachable database) carry an operator-readable message too.
    if (isGatewayError(error)) {
      out.stderr(`switchyard ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
