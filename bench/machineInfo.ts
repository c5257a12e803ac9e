/** What a result was measured on: figures mean little without the machine, its load and the versions. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  platform: string;
  node: string;
  switchyard: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverageAtStart: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let switchyard = "unknown";
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    if (typeof pkg === "object" && pkg !== null && typeof (pkg as { version?: unknown }).version === "string") switchyard = (pkg as { version: string }).version;
  } catch {
    // Run from somewhere without the package file: the version stays unknown rather than failing the run.
  }
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    switchyard,
    loadAverageAtStart: loadavg(),
  };
}

export function describeMachine(machine: MachineInfo): string {
  return `${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB, ${machine.platform}, Node.js ${machine.node}, Switchyard ${machine.switchyard}, load average at start ${machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}`;
}
