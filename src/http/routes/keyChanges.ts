/**
 * The body of `PATCH /api/v2/admin/keys/:id` checked against the key as it is, into the store's changes. The same
 * rules as creating a key (issueApiKey): a budget is an amount and a window together, expiry lies ahead.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { ApiKey, ApiKeyChanges } from "../../store/apiKeys.js";
import type { BudgetWindow } from "../../auth/principal.js";
import { GatewayError } from "../../errors.js";

const nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });
const budgetWindow = Type.Unsafe<BudgetWindow>({ type: "string", enum: ["day", "month", "total"] });

export const keyChangesBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    allowedModels: Type.Optional(nullable(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 100 }), "null: every model")),
    expiresAt: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 64 }), "ISO 8601 date-time in the future; null: never")),
    rpm: Type.Optional(nullable(Type.Integer({ minimum: 1 }), "null: the configured per-key limit")),
    tpm: Type.Optional(nullable(Type.Integer({ minimum: 1 }), "null: the configured per-key limit")),
    budgetUsd: Type.Optional(nullable(Type.Number({ exclusiveMinimum: 0 }), "null: no budget (clears the window too)")),
    budgetWindow: Type.Optional(budgetWindow),
    accessLevel: Type.Optional(nullable(Type.Integer({ minimum: 0 }), "null: 0, public documents only")),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type KeyChangesBody = Static<typeof keyChangesBody>;

export function keyChangesOf(body: KeyChangesBody, current: ApiKey, now: number): ApiKeyChanges {
  const changes: ApiKeyChanges = {};
  if (body.name !== undefined) {
    const name = body.name.trim();
    if (name === "") throw invalid("name", "name must be 1 to 100 characters");
    changes.name = name;
  }
  if (body.allowedModels !== undefined) {
    const models = body.allowedModels === null ? null : [...new Set(body.allowedModels.map((model) => model.trim()))];
    if (models !== null && models.some((model) => model === "")) {
      throw invalid("allowedModels", 'allowedModels lists engine/model ids, route or engine names ("auto" for the default); null allows all');
    }
    changes.allowedModels = models;
  }
  if (body.expiresAt !== undefined) {
    const at = body.expiresAt === null ? null : Date.parse(body.expiresAt);
    if (at !== null && Number.isNaN(at)) throw invalid("expiresAt", "expiresAt must be an ISO 8601 date-time, e.g. 2030-01-31T00:00:00Z");
    if (at !== null && at <= now) throw invalid("expiresAt", "expiresAt must be in the future");
    changes.expiresAt = at;
  }
  if (body.rpm !== undefined) changes.rpm = body.rpm;
  if (body.tpm !== undefined) changes.tpm = body.tpm;
  if (body.accessLevel !== undefined) changes.accessLevel = body.accessLevel;
  if (body.budgetUsd === null) {
    if (body.budgetWindow !== undefined) throw invalid("budgetWindow", "budgetUsd null removes the budget; leave budgetWindow out");
    changes.budgetUsd = null;
    changes.budgetWindow = null;
  } else if (body.budgetUsd !== undefined || body.budgetWindow !== undefined) {
    const usd = body.budgetUsd ?? current.budgetUsd;
    const window = body.budgetWindow ?? current.budgetWindow;
    if (usd === null || window === null) {
      throw invalid(usd === null ? "budgetUsd" : "budgetWindow", "budgetUsd and budgetWindow go together: this key has no budget yet, so send both");
    }
    changes.budgetUsd = usd;
    changes.budgetWindow = window;
  }
  return changes;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", message, { param });
}
