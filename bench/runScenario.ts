/**
 * The frame every scenario runner shares: parse nothing itself, but start services through a list it stops
 * on every exit path (an error, Ctrl-C), print the report, write the JSON and markdown results, and set the
 * exit code (1 when the run saw failures, so a broken setup never passes for a fast one).
 */
import { describeMachine, machineInfo, type MachineInfo } from "./machineInfo.js";
import type { RunningService } from "./runningService.js";
import { writeResults } from "./writeResults.js";

export interface ScenarioContext {
  /** Services pushed here are stopped, last first, when the scenario ends. */
  services: RunningService[];
  machine: MachineInfo;
  startedAt: string;
  progress(text: string): void;
}

export interface ScenarioOutcome {
  /** The figures, written as JSON with the machine and command added. */
  result: Record<string, unknown>;
  /** Printed to stdout. */
  text: string;
  /** The markdown report (tables), written next to the JSON. */
  markdown: string;
  /** Failed requests or a failed check: the exit code becomes 1. */
  failed: boolean;
  /** Further files (suffix → content), e.g. a chart. */
  files?: Record<string, string>;
}

export interface ScenarioSettings {
  name: string;
  command: string;
  outDir: string;
}

export async function runScenario(settings: ScenarioSettings, run: (context: ScenarioContext) => Promise<ScenarioOutcome>): Promise<number> {
  const services: RunningService[] = [];
  const stopAll = async () => {
    for (const service of services.splice(0).reverse()) await service.stop().catch(() => undefined);
  };
  const onSigint = () => void stopAll().then(() => process.exit(130));
  process.once("SIGINT", onSigint);
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const progress = (text: string) => process.stderr.write(`${text}\n`);
  try {
    const outcome = await run({ services, machine, startedAt, progress });
    const document = { scenario: settings.name, command: settings.command, startedAt, finishedAt: new Date().toISOString(), machine, failed: outcome.failed, ...outcome.result };
    const header = [`# ${settings.name}`, "", `\`${settings.command}\``, "", `Machine: ${describeMachine(machine)}.`, `Started ${startedAt}.`, ""].join("\n");
    process.stdout.write(`\n${outcome.text}\n\nmachine: ${describeMachine(machine)}\n`);
    const paths = await writeResults(settings.outDir, settings.name, startedAt, document, `${header}\n${outcome.markdown}`, outcome.files);
    progress(`results: ${[paths.json, paths.markdown, ...paths.files].join(", ")}`);
    return outcome.failed ? 1 : 0;
  } finally {
    process.removeListener("SIGINT", onSigint);
    await stopAll();
  }
}

/** The entry point of a runner script: run, set the exit code, report a crash on stderr. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
