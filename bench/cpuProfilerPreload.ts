/**
 * Loaded into a process under measurement with `--import`: SIGUSR2 starts a CPU profile through the inspector,
 * the next SIGUSR2 stops it and writes `<BENCH_PROFILE_DIR>/<pid>-<n>.cpuprofile`. The runner profiles exactly its
 * measured window, not the start-up and warm-up `--cpu-prof` would include.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_PROFILE_DIR ?? ".";
const intervalUs = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 200);
const session = new Session();
session.connect();
let running = false;
let written = 0;

const post = (method: string, params: Record<string, unknown> = {}) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

process.on("SIGUSR2", () => {
  const work = running
    ? post("Profiler.stop").then((result) => {
        written += 1;
        const file = join(dir, `${process.pid}-${written}.cpuprofile`);
        writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
        process.stderr.write(`cpu profile written: ${file}\n`);
      })
    : post("Profiler.enable")
        .then(() => post("Profiler.setSamplingInterval", { interval: intervalUs }))
        .then(() => post("Profiler.start"));
  running = !running;
  work.catch((error: unknown) => process.stderr.write(`cpu profile failed: ${String(error)}\n`));
});
