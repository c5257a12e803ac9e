/**
 * `switchyard keys create|list|revoke`: API key administration straight on the store named by the
 * configuration, with no server running. `create` prints the key, and only the key, on stdout (so
 * `KEY=$(switchyard keys create …)` works); everything else goes to stderr.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./config/loadConfig.js";
import { openStore } from "./store/openStore.js";
import { issueApiKey, type KeyRequest } from "./auth/issueApiKey.js";
import type { ApiKey } from "./store/apiKeys.js";
import type { BudgetWindow, Role } from "./auth/principal.js";
import { isGatewayError } from "./errors.js";

export const keysUsage = `usage: switchyard keys <create|list|revoke> --config FILE [options]

  keys create --name NAME [--role user|admin] [--user USER_ID] [--models a/b,route,...] [--expires ISO]
              [--rpm N] [--tpm N] [--budget-usd X --budget-window day|month|total] [--access-level N]
      prints the new key on stdout (it is shown only this once)
  keys list [--json]          every key (never the key itself), newest first
  keys revoke ID              the key stops working (within 10 s on running servers)`;

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const options = {
  config: { type: "string", short: "c" },
  name: { type: "string" },
  role: { type: "string" },
  user: { type: "string" },
  models: { type: "string" },
  expires: { type: "string" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  "budget-usd": { type: "string" },
  "budget-window": { type: "string" },
  "access-level": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const parse = (argv: string[]) => parseArgs({ args: argv, allowPositionals: true, options });

export async function keysCommand(argv: string[], out: CliOutput = processOutput): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.stderr(`${(error as Error).message}\n${keysUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, id] = positionals;
  if (values.help) {
    out.stdout(`${keysUsage}\n`);
    return 0;
  }
  if (action === undefined) {
    out.stderr(`${keysUsage}\n`);
    return 2;
  }
  if (!["create", "list", "revoke"].includes(action)) {
    out.stderr(`unknown keys command "${action}"\n${keysUsage}\n`);
    return 2;
  }
  if (action === "revoke" && id === undefined) {
    out.stderr(`keys revoke needs the key id (see keys list)\n`);
    return 2;
  }

  let request: KeyRequest | undefined;
  if (action === "create") {
    if (values.name === undefined) {
      out.stderr(`keys create needs --name\n`);
      return 2;
    }
    request = {
      name: values.name,
      userId: values.user,
      role: values.role as Role | undefined,
      allowedModels: values.models?.split(",").map((model) => model.trim()).filter(Boolean),
      expiresAt: values.expires,
      rpm: numberOption(values.rpm),
      tpm: numberOption(values.tpm),
      budgetUsd: numberOption(values["budget-usd"]),
      budgetWindow: values["budget-window"] as BudgetWindow | undefined,
      accessLevel: numberOption(values["access-level"]),
    };
  }

  const { config } = loadConfig({ path: values.config });
  const store = await openStore(config.store.url);
  try {
    if (request !== undefined) {
      const { key, apiKey } = await issueApiKey(store.apiKeys, request);
      out.stderr(`created API key ${apiKey.id} "${apiKey.name}" for user ${apiKey.userId} (role ${apiKey.role}); it is shown only now\n`);
      out.stdout(`${key}\n`);
      return 0;
    }
    if (action === "list") {
      const keys = await store.apiKeys.list();
      out.stdout(values.json ? `${JSON.stringify(keys, null, 2)}\n` : table(keys));
      return 0;
    }
    const revoked = await store.apiKeys.revoke(id ?? "");
    if (!revoked) {
      out.stderr(`no active API key ${id}\n`);
      return 1;
    }
    out.stderr(`revoked API key ${id}\n`);
    return 0;
  } catch (error) {
    if (!isGatewayError(error) || error.code !== "invalid_request") throw error;
    const option = error.param === undefined ? "" : ` (--${optionFor(error.param)})`;
    out.stderr(`${error.message}${option}\n`);
    return 2;
  } finally {
    await store.close();
  }
}

/** Not a number stays NaN, so the shared checks report it against the right option. */
function numberOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : text.trim() === "" ? Number.NaN : Number(text);
}

function optionFor(param: string): string {
  const names: Record<string, string> = {
    userId: "user",
    allowedModels: "models",
    expiresAt: "expires",
    budgetUsd: "budget-usd",
    budgetWindow: "budget-window",
    accessLevel: "access-level",
  };
  return names[param] ?? param;
}

function table(keys: readonly ApiKey[]): string {
  const now = Date.now();
  const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const rows = keys.map((key) => [
    key.id,
    key.prefix,
    key.name,
    key.userId,
    key.role,
    key.revokedAt !== null ? "revoked" : key.expiresAt !== null && key.expiresAt <= now ? "expired" : "active",
    iso(key.createdAt),
    iso(key.lastUsedAt),
  ]);
  const header = ["ID", "PREFIX", "NAME", "USER", "ROLE", "STATUS", "CREATED", "LAST USED"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  return [header, ...rows].map((row) => `${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()}\n`).join("");
}
