import { describe, expect, test } from "vitest";
import type { KeyView } from "../../api/types";
import { isoToLocalInput } from "../../format/formatters";
import { emptyKeyForm, formValuesOf, keyPatch, newKeyInput } from "./keyForm";

const original: KeyView = {
  id: "k1",
  name: "ci",
  userId: "u",
  role: "user",
  prefix: "sy-1",
  allowedModels: ["a/b"],
  rpm: 10,
  tpm: 100,
  budgetUsd: 2,
  budgetWindow: "day",
  expiresAt: "2030-01-01T10:00:00.000Z",
  revokedAt: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  lastUsedAt: null,
  accessLevel: 2,
};

describe("key form", () => {
  test("a new key's body has only the fields filled in", () => {
    const expires = isoToLocalInput("2030-06-01T12:30:00.000Z");
    const { input, errors } = newKeyInput({
      ...emptyKeyForm,
      name: " bot ",
      userId: "svc",
      role: "admin",
      allowedModels: "a/b,\n c/d",
      expiresAt: expires,
      tpm: "500",
      budgetUsd: "1.25",
      budgetWindow: "total",
      accessLevel: "0",
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: "bot",
      userId: "svc",
      role: "admin",
      allowedModels: ["a/b", "c/d"],
      expiresAt: "2030-06-01T12:30:00.000Z",
      tpm: 500,
      budgetUsd: 1.25,
      budgetWindow: "total",
      accessLevel: 0,
    });
  });

  test("bad numbers and dates are named per field", () => {
    const { input, errors } = newKeyInput({ ...emptyKeyForm, rpm: "0", tpm: "1.5", budgetUsd: "-1", accessLevel: "x", expiresAt: "not a date" });
    expect(input).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(["accessLevel", "budgetUsd", "expiresAt", "name", "rpm", "tpm"]);
  });

  test("an edit sends what changed; emptied fields become null", () => {
    const values = { ...formValuesOf(original), name: "ci-2", rpm: "", tpm: "100", budgetUsd: "", allowedModels: "", expiresAt: "", accessLevel: "" };
    expect(keyPatch(original, values).patch).toEqual({ name: "ci-2", rpm: null, budgetUsd: null, allowedModels: null, expiresAt: null, accessLevel: 0 });
    expect(keyPatch(original, formValuesOf(original)).patch).toEqual({});
    expect(keyPatch(original, { ...formValuesOf(original), rpm: "-3" }).patch).toBeUndefined();
    const later = isoToLocalInput("2031-01-01T00:00:00.000Z");
    expect(keyPatch(original, { ...formValuesOf(original), expiresAt: later }).patch).toEqual({ expiresAt: "2031-01-01T00:00:00.000Z" });
  });
});
