/**
 * Installs the peer gateway (npm `@portkey-ai/gateway`) into a scratch directory under the system temporary
 * directory, never into the project: it is something to measure against, not a dependency. Its streaming
 * needs `@hono/node-server` 1.13.5, pinned through npm overrides. A directory that already holds the pinned
 * version is reused.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProcess } from "./startProcess.js";

export const peerPackage = "@portkey-ai/gateway";
export const peerVersion = "1.15.2";
const honoNodeServer = "1.13.5";

export interface InstalledPeer {
  dir: string;
  /** The gateway's Node.js entry point. */
  entry: string;
  version: string;
}

function installedVersion(dir: string): string | undefined {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(dir, "node_modules", peerPackage, "package.json"), "utf8"));
    return typeof pkg === "object" && pkg !== null && typeof (pkg as { version?: unknown }).version === "string" ? (pkg as { version: string }).version : undefined;
  } catch {
    return undefined;
  }
}

export async function installPeer(progress: (text: string) => void, dir = join(tmpdir(), `switchyard-bench-peer-${peerVersion}`)): Promise<InstalledPeer> {
  const entry = join(dir, "node_modules", peerPackage, "build", "start-server.js");
  if (installedVersion(dir) !== peerVersion || !existsSync(entry)) {
    progress(`installing ${peerPackage}@${peerVersion} into ${dir}`);
    await mkdir(dir, { recursive: true });
    const manifest = { name: "switchyard-bench-peer", private: true, dependencies: { [peerPackage]: peerVersion }, overrides: { "@hono/node-server": honoNodeServer } };
    await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // Lifecycle scripts are not needed to run the built gateway, and a benchmark should not run them.
    const npm = startProcess({ name: "npm install (peer)", command: "npm", args: ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save"], cwd: dir });
    const code = await npm.exited;
    if (code !== 0) throw new Error(`npm install of ${peerPackage}@${peerVersion} exited with ${code}:\n${npm.tail()}`);
  }
  const version = installedVersion(dir);
  if (version !== peerVersion || !existsSync(entry)) throw new Error(`${peerPackage}@${peerVersion} is not installed in ${dir} after npm install`);
  return { dir, entry, version };
}
