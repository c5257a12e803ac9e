import type { KeyFormErrors, KeyFormValues } from "./keyForm";
import type { BudgetWindow, Role } from "../../api/types";

export interface KeyFormFieldsProps {
  values: KeyFormValues;
  errors: KeyFormErrors;
  onChange: (values: KeyFormValues) => void;
  /** A new key also takes its user and role (which an edit cannot change). */
  creating: boolean;
}

/** The key's settings as labelled inputs, each with its error (tied to it by aria-describedby). */
export function KeyFormFields({ values, errors, onChange, creating }: KeyFormFieldsProps) {
  const set = <K extends keyof KeyFormValues>(field: K, value: KeyFormValues[K]) => onChange({ ...values, [field]: value });
  const text = (field: Exclude<keyof KeyFormValues, "role" | "budgetWindow">, label: string, props: { type?: string; hint?: string; inputMode?: "numeric" | "decimal" } = {}) => {
    const id = `key-${field}`;
    const error = errors[field];
    const describedBy = [props.hint !== undefined ? `${id}-hint` : "", error !== undefined ? `${id}-error` : ""].filter((s) => s !== "").join(" ");
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type={props.type ?? "text"}
          inputMode={props.inputMode}
          value={values[field]}
          onChange={(e) => set(field, e.target.value)}
          aria-invalid={error !== undefined}
          aria-describedby={describedBy === "" ? undefined : describedBy}
          data-autofocus={field === "name" ? true : undefined}
        />
        {props.hint !== undefined ? (
          <small id={`${id}-hint`} className="hint">
            {props.hint}
          </small>
        ) : null}
        {error !== undefined ? (
          <small id={`${id}-error`} className="field-error">
            {error}
          </small>
        ) : null}
      </div>
    );
  };
  return (
    <div className="form-grid">
      {text("name", "Name")}
      {creating ? text("userId", "User id", { hint: "Empty: the key is its own user" }) : null}
      {creating ? (
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" value={values.role} onChange={(e) => set("role", e.target.value as Role)}>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </div>
      ) : null}
      {text("allowedModels", "Allowed models", { hint: "engine/model ids or routes, separated by commas; empty: all" })}
      {text("rpm", "Requests per minute", { inputMode: "numeric", hint: "Empty: no limit" })}
      {text("tpm", "Tokens per minute", { inputMode: "numeric", hint: "Empty: no limit" })}
      {text("budgetUsd", "Budget (USD)", { inputMode: "decimal", hint: "Empty: no budget" })}
      <div className="field">
        <label htmlFor="key-budgetWindow">Budget window</label>
        <select id="key-budgetWindow" value={values.budgetWindow} onChange={(e) => set("budgetWindow", e.target.value as BudgetWindow)}>
          <option value="day">day</option>
          <option value="month">month</option>
          <option value="total">total</option>
        </select>
      </div>
      {text("expiresAt", "Expires at", { type: "datetime-local", hint: "Your local time; empty: never" })}
      {text("accessLevel", "Document access level", { inputMode: "numeric", hint: "0 is public" })}
    </div>
  );
}
