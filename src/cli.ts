#!/usr/bin/env node
/**
 * `switchyard serve|migrate|check-config|keys|backup|restore|retention|ingest`. Reads arguments, loads the configuration, and hands over to main.
 */
import { parseArgs } from "node:util";
import { watchFile } from "node:fs";
import { loadConfig, ConfigError } from "./config/loadConfig.js";
import { startServer } from "./main.js";
import { openStore } from "./store/openStore.js";
import { keysCommand } from "./cliKeys.js";
import { cacheCommand } from "./cliCache.js";
import { backupCommand } from "./cliBackup.js";
import { retentionCommand } from "./cliRetention.js";
import { ingestCommand } from "./cliIngest.js";

const usage = `usage: switchyard <command> [--config FILE]

commands:
  serve          start the gateway (default config: the embedded default, or $SWITCHYARD_CONFIG)
  migrate        apply database migrations and exit
  check-config   validate the configuration and print it with secrets masked
  keys           create, list and revoke API keys (switchyard keys --help)
  cache warm F   send the requests in F (JSON lines) to a running gateway to fill its response cache (switchyard cache --help)
  backup FILE    copy the store to FILE while the server runs (switchyard backup --help)
  restore FILE   replace the store with a backup; needs --yes, and a stopped server on SQLite
  retention run  roll up usage and remove expired sessions and ledger rows (switchyard retention --help)
  ingest PATH... file documents into a running gateway as background jobs (switchyard ingest --help)

options:
  --config, -c FILE   YAML configuration file
  --watch             with serve: reload engines and routes when the file changes (as on SIGHUP)
  --help, -h          show this help`;

const commandUsage: Record<string, string> = {
  serve: `usage: switchyard serve [--config FILE] [--watch]

Starts the gateway. Without --config it reads $SWITCHYARD_CONFIG, else the embedded default (SQLite under
./data, the in-process engine with the model in $SWITCHYARD_LOCAL_MODEL).

options:
  --config, -c FILE   YAML configuration file
  --watch             reload engines and routes when the file changes (as on SIGHUP)
  --help, -h          show this help`,
  migrate: `usage: switchyard migrate [--config FILE]

Applies the store's database migrations (SQLite or PostgreSQL, from store.url) and exits. serve applies them
too; run this first when one would outlast store.pool.statementTimeoutMs.

options:
  --config, -c FILE   YAML configuration file
  --help, -h          show this help`,
  "check-config": `usage: switchyard check-config [--config FILE]

Validates the configuration (with defaults and \${VAR} references filled in) and prints it with secrets masked;
exits 1 with the offending field when it is invalid. Nothing is started or connected to.

options:
  --config, -c FILE   YAML configuration file
  --help, -h          show this help`,
};

async function main(argv: string[]): Promise<number> {
  // keys has options of its own; it parses them itself.
  if (argv[0] === "keys") return keysCommand(argv.slice(1));
  if (argv[0] === "cache") return cacheCommand(argv.slice(1));
  if (argv[0] === "backup" || argv[0] === "restore") return backupCommand(argv[0], argv.slice(1));
  if (argv[0] === "retention") return retentionCommand(argv.slice(1));
  if (argv[0] === "ingest") return ingest(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" }, watch: { type: "boolean" } },
  });
  const command = positionals[0] ?? "serve";
  if (values.help) {
    process.stdout.write(`${(positionals[0] === undefined ? undefined : commandUsage[positionals[0]]) ?? usage}\n`);
    return 0;
  }
  switch (command) {
    case "serve":
      return serve(values.config, values.watch === true);
    case "migrate": {
      const { config } = loadConfig({ path: values.config });
      const store = await openStore(config.store.url);
      await store.close();
      process.stdout.write(`migrations applied (${store.dialect})\n`);
      return 0;
    }
    case "check-config": {
      const { config, source } = loadConfig({ path: values.config });
      const masked = JSON.stringify(config, (key, value: unknown) => (/key|secret|token|password/i.test(key) ? maskedValue(value) : value), 2);
      process.stdout.write(`configuration OK (${source})\n${masked}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

/** The first Ctrl-C stops submitting and waits for the queued files; the second stops waiting. */
function ingest(argv: string[]): Promise<number> {
  const stop = new AbortController();
  const abort = new AbortController();
  process.on("SIGINT", () => (stop.signal.aborted ? abort.abort() : stop.abort()));
  const out = { stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
  return ingestCommand(argv, out, process.stderr, { stop: stop.signal, abort: abort.signal });
}

async function serve(configPath: string | undefined, watch: boolean): Promise<number> {
  const { config, source } = loadConfig({ path: configPath });
  const server = await startServer(config);
  server.logger.info({ source }, "configuration loaded");
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        server.logger.warn({ signal }, "second signal: exiting now");
        resolve(1);
        return;
      }
      server.logger.info({ signal }, "signal received");
      server.shutdown().then(
        () => resolve(0),
        (error: unknown) => {
          server.logger.error({ err: error }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    // SIGHUP re-reads the file: engines and routes change without dropping streams; a bad file changes nothing.
    const reload = () => {
      try {
        const next = loadConfig({ path: configPath });
        server.reload(next.config);
      } catch (error) {
        server.reloadFailed(error);
      }
    };
    process.on("SIGHUP", reload);
    const watched = configPath ?? process.env.SWITCHYARD_CONFIG;
    if (watch && watched) {
      // Polling survives editors that replace the file and Kubernetes ConfigMaps that swap a symlink.
      watchFile(watched, { interval: 1000 }, (current, previous) => {
        if (current.mtimeMs !== previous.mtimeMs) reload();
      });
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Engines may hold native handles; once shutdown is done nothing else should keep the process alive.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`switchyard: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);

/** A secret's place in check-config's output: a string, or each string of a list (an engine's apiKeys). */
function maskedValue(value: unknown): unknown {
  if (typeof value === "string") return value ? "***" : value;
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === "string" && item ? "***" : item));
  return value;
}
