/**
 * The one place that reads process.env and the configuration file. Everything else receives the frozen result.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { configSchema, type Config } from "./schema.js";
import { interpolateEnv } from "./interpolateEnv.js";
import { embeddedDefault } from "./embeddedDefault.js";
import { applyProfile } from "./profilePresets.js";
import { isRecord } from "../isRecord.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface LoadConfigOptions {
  /** Path from --config; falls back to SWITCHYARD_CONFIG, then to the embedded default. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** Where it came from: a file path or "embedded default". */
  source: string;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? env.SWITCHYARD_CONFIG;
  let raw: unknown;
  let source: string;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`);
    }
    source = path;
  } else {
    raw = embeddedDefault();
    source = "embedded default";
  }
  const interpolated = interpolateEnv(raw, env, (name, where) => {
    throw new ConfigError(`${source}: ${where}: environment variable ${name} is not set (use \${${name}:-} to allow empty)`);
  });
  const withOverrides = applyProfile(applyEnvOverrides(interpolated, env), env.SWITCHYARD_PROFILE);
  const result = configSchema.safeParse(withOverrides);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`invalid configuration (${source}):\n${lines.join("\n")}`);
  }
  return { config: deepFreeze(result.data), source };
}

function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!isRecord(raw)) return raw;
  const server = isRecord(raw.server) ? { ...raw.server } : {};
  if (env.SWITCHYARD_HOST) server.host = env.SWITCHYARD_HOST;
  if (env.SWITCHYARD_PORT) {
    const port = Number(env.SWITCHYARD_PORT);
    server.port = Number.isInteger(port) ? port : env.SWITCHYARD_PORT;
  }
  return { ...raw, server };
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
}


function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
