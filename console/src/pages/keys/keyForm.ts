/**
 * The key form's text fields turned into the admin API's bodies: a new key's (POST) and an edit's (PATCH, only what
 * changed; an emptied limit becomes null, which removes it). Bad input is reported per field before anything is sent.
 */
import type { BudgetWindow, KeyPatch, KeyView, NewKeyInput, Role } from "../../api/types";
import { isoToLocalInput, localInputToIso } from "../../format/formatters";

export interface KeyFormValues {
  name: string;
  userId: string;
  role: Role;
  allowedModels: string;
  expiresAt: string;
  rpm: string;
  tpm: string;
  budgetUsd: string;
  budgetWindow: BudgetWindow;
  accessLevel: string;
}

export type KeyFormErrors = Partial<Record<keyof KeyFormValues, string>>;

export const emptyKeyForm: KeyFormValues = {
  name: "",
  userId: "",
  role: "user",
  allowedModels: "",
  expiresAt: "",
  rpm: "",
  tpm: "",
  budgetUsd: "",
  budgetWindow: "month",
  accessLevel: "",
};

export function formValuesOf(key: KeyView): KeyFormValues {
  return {
    name: key.name,
    userId: key.userId,
    role: key.role,
    allowedModels: (key.allowedModels ?? []).join(", "),
    expiresAt: isoToLocalInput(key.expiresAt),
    rpm: key.rpm === null ? "" : String(key.rpm),
    tpm: key.tpm === null ? "" : String(key.tpm),
    budgetUsd: key.budgetUsd === null ? "" : String(key.budgetUsd),
    budgetWindow: key.budgetWindow ?? "month",
    accessLevel: String(key.accessLevel),
  };
}

interface Parsed {
  name: string;
  userId: string | undefined;
  allowedModels: string[] | null;
  expiresAt: string | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  accessLevel: number | null;
}

function parse(values: KeyFormValues): { parsed: Parsed; errors: KeyFormErrors } {
  const errors: KeyFormErrors = {};
  const integer = (field: "rpm" | "tpm" | "accessLevel", least: number): number | null => {
    const text = values[field].trim();
    if (text === "") return null;
    if (!/^\d+$/.test(text) || Number(text) < least) {
      errors[field] = least === 0 ? "a whole number, 0 or more" : "a whole number, 1 or more";
      return null;
    }
    return Number(text);
  };
  const name = values.name.trim();
  if (name === "") errors.name = "a name is required";
  const budgetText = values.budgetUsd.trim();
  let budgetUsd: number | null = null;
  if (budgetText !== "") {
    budgetUsd = Number(budgetText);
    if (!Number.isFinite(budgetUsd) || budgetUsd <= 0) {
      errors.budgetUsd = "an amount above 0";
      budgetUsd = null;
    }
  }
  const expiresAt = values.expiresAt.trim() === "" ? null : (localInputToIso(values.expiresAt) ?? null);
  if (values.expiresAt.trim() !== "" && expiresAt === null) errors.expiresAt = "a date and time";
  const models = values.allowedModels
    .split(/[\s,]+/)
    .map((model) => model.trim())
    .filter((model) => model !== "");
  return {
    parsed: {
      name,
      userId: values.userId.trim() === "" ? undefined : values.userId.trim(),
      allowedModels: models.length === 0 ? null : models,
      expiresAt,
      rpm: integer("rpm", 1),
      tpm: integer("tpm", 1),
      budgetUsd,
      accessLevel: integer("accessLevel", 0),
    },
    errors,
  };
}

export function newKeyInput(values: KeyFormValues): { input?: NewKeyInput; errors: KeyFormErrors } {
  const { parsed, errors } = parse(values);
  if (Object.keys(errors).length > 0) return { errors };
  const input: NewKeyInput = { name: parsed.name, role: values.role };
  if (parsed.userId !== undefined) input.userId = parsed.userId;
  if (parsed.allowedModels !== null) input.allowedModels = parsed.allowedModels;
  if (parsed.expiresAt !== null) input.expiresAt = parsed.expiresAt;
  if (parsed.rpm !== null) input.rpm = parsed.rpm;
  if (parsed.tpm !== null) input.tpm = parsed.tpm;
  if (parsed.budgetUsd !== null) {
    input.budgetUsd = parsed.budgetUsd;
    input.budgetWindow = values.budgetWindow;
  }
  if (parsed.accessLevel !== null) input.accessLevel = parsed.accessLevel;
  return { input, errors };
}

export function keyPatch(original: KeyView, values: KeyFormValues): { patch?: KeyPatch; errors: KeyFormErrors } {
  const { parsed, errors } = parse(values);
  if (Object.keys(errors).length > 0) return { errors };
  const patch: KeyPatch = {};
  if (parsed.name !== original.name) patch.name = parsed.name;
  if (parsed.rpm !== original.rpm) patch.rpm = parsed.rpm;
  if (parsed.tpm !== original.tpm) patch.tpm = parsed.tpm;
  if (parsed.budgetUsd !== original.budgetUsd) patch.budgetUsd = parsed.budgetUsd;
  if (parsed.budgetUsd !== null && values.budgetWindow !== original.budgetWindow) patch.budgetWindow = values.budgetWindow;
  if ((parsed.allowedModels ?? []).join(",") !== (original.allowedModels ?? []).join(",")) patch.allowedModels = parsed.allowedModels;
  // The input has minute precision: an unchanged field must not move the expiry by the seconds it dropped.
  if (values.expiresAt !== isoToLocalInput(original.expiresAt)) patch.expiresAt = parsed.expiresAt;
  const accessLevel = parsed.accessLevel ?? 0;
  if (accessLevel !== original.accessLevel) patch.accessLevel = accessLevel;
  return { patch, errors };
}
