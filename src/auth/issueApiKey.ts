/**
 * Creates an API key: checks the request, generates the key, stores only its hash, and hands the key back once.
 * Shared by the admin API and the CLI so both accept exactly the same keys.
 */
import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors.js";
import type { ApiKey, ApiKeyStore } from "../store/apiKeys.js";
import { DISPLAY_PREFIX_LENGTH, generateApiKey } from "./generateApiKey.js";
import { hashApiKey } from "./hashApiKey.js";
import type { BudgetWindow, Role } from "./principal.js";

export interface KeyRequest {
  name: string;
  /** The owner; default: the key's own id (a key that is its own user). */
  userId?: string | undefined;
  role?: Role | undefined;
  allowedModels?: readonly string[] | undefined;
  /** ISO 8601 date-time, in the future. */
  expiresAt?: string | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
  budgetUsd?: number | undefined;
  budgetWindow?: BudgetWindow | undefined;
  /** Highest document access level the key may read; default 0 (public documents). */
  accessLevel?: number | undefined;
}

export interface IssuedKey {
  /** The key itself: shown once, stored nowhere. */
  key: string;
  apiKey: ApiKey;
}

const roles: readonly Role[] = ["user", "admin"];
const windows: readonly BudgetWindow[] = ["day", "month", "total"];

export async function issueApiKey(apiKeys: Pick<ApiKeyStore, "create">, request: KeyRequest, now: () => number = Date.now): Promise<IssuedKey> {
  const name = request.name.trim();
  if (name === "" || name.length > 100) throw invalid("name", "name must be 1 to 100 characters");
  if (request.userId !== undefined && (request.userId.trim() === "" || request.userId.length > 200)) {
    throw invalid("userId", "userId must be 1 to 200 characters");
  }
  const role = request.role ?? "user";
  if (!roles.includes(role)) throw invalid("role", `role must be one of: ${roles.join(", ")}`);
  const allowedModels = request.allowedModels === undefined ? null : [...new Set(request.allowedModels.map((model) => model.trim()))];
  if (allowedModels !== null && (allowedModels.length === 0 || allowedModels.some((model) => model === ""))) {
    throw invalid("allowedModels", "allowedModels lists engine/model ids, route or engine names (\"auto\" for the default); leave it out to allow all");
  }
  let expiresAt: number | null = null;
  if (request.expiresAt !== undefined) {
    expiresAt = Date.parse(request.expiresAt);
    if (Number.isNaN(expiresAt)) throw invalid("expiresAt", "expiresAt must be an ISO 8601 date-time, e.g. 2030-01-31T00:00:00Z");
    if (expiresAt <= now()) throw invalid("expiresAt", "expiresAt must be in the future");
  }
  for (const [param, value] of [["rpm", request.rpm], ["tpm", request.tpm]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw invalid(param, `${param} must be a positive integer`);
  }
  if ((request.budgetUsd === undefined) !== (request.budgetWindow === undefined)) {
    throw invalid(request.budgetUsd === undefined ? "budgetUsd" : "budgetWindow", "budgetUsd and budgetWindow go together");
  }
  if (request.budgetUsd !== undefined && !(Number.isFinite(request.budgetUsd) && request.budgetUsd > 0)) {
    throw invalid("budgetUsd", "budgetUsd must be a positive number of US dollars");
  }
  if (request.budgetWindow !== undefined && !windows.includes(request.budgetWindow)) {
    throw invalid("budgetWindow", `budgetWindow must be one of: ${windows.join(", ")}`);
  }

  if (request.accessLevel !== undefined && (!Number.isSafeInteger(request.accessLevel) || request.accessLevel < 0)) {
    throw invalid("accessLevel", "accessLevel must be a non-negative integer");
  }

  const id = randomUUID();
  const key = generateApiKey();
  const apiKey = await apiKeys.create({
    id,
    name,
    userId: request.userId?.trim() ?? id,
    role,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    allowedModels,
    rpm: request.rpm ?? null,
    tpm: request.tpm ?? null,
    budgetUsd: request.budgetUsd ?? null,
    budgetWindow: request.budgetWindow ?? null,
    expiresAt,
    accessLevel: request.accessLevel ?? null,
  });
  return { key, apiKey };
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", message, { param });
}
