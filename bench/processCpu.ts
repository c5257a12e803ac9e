/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat (Linux). */
import { readFileSync } from "node:fs";

// USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node).
const ticksPerSecond = 100;

export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after it are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name and the state.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
