/**
 * The soft limit on open files of a process (from /proc/<pid>/limits): thousands of held streams need a
 * descriptor each at the client and two at the gateway (client side and upstream side), and running out shows
 * up as confusing connection errors rather than as the limit it is.
 */
import { readFile } from "node:fs/promises";

/** The soft limit, or undefined where /proc is not available. */
export async function openFileLimit(pid: number | "self" | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const limits = await readFile(`/proc/${pid}/limits`, "utf8");
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!match) return undefined;
    return match[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Throws with what to do when a process cannot hold `needed` descriptors. */
export async function requireOpenFiles(name: string, pid: number | "self" | undefined, needed: number): Promise<void> {
  const limit = await openFileLimit(pid);
  if (limit !== undefined && limit < needed) {
    throw new Error(`${name} may open ${limit} files but this run needs about ${needed}: raise it (ulimit -n) in the shell that starts the benchmark, or ask for fewer streams`);
  }
}
