/**
 * Creating a key: the settings, then the key itself — shown this once (the gateway stores only its hash), with a
 * Copy button, and dropped from memory when the dialog closes.
 */
import { useState, type FormEvent } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { KeyView } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { ErrorMessage } from "../../components/ErrorMessage";
import { KeyFormFields } from "./KeyFormFields";
import { emptyKeyForm, newKeyInput, type KeyFormErrors } from "./keyForm";

export interface CreateKeyDialogProps {
  onCreated: (key: KeyView) => void;
  onClose: () => void;
}

export function CreateKeyDialog({ onCreated, onClose }: CreateKeyDialogProps) {
  const { api, copy } = useConsole();
  const [values, setValues] = useState(emptyKeyForm);
  const [errors, setErrors] = useState<KeyFormErrors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ key: string; name: string } | undefined>(undefined);
  const [copied, setCopied] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { input, errors: found } = newKeyInput(values);
    setErrors(found);
    if (input === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.send<KeyView & { key: string }>("POST", "/api/v2/admin/keys", input);
      const { key, ...view } = answer;
      setCreated({ key, name: view.name });
      onCreated(view);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const copyKey = async () => {
    if (created === undefined) return;
    if (copy === undefined) {
      setCopied("This browser offers no clipboard here: select the key and copy it.");
      return;
    }
    try {
      await copy(created.key);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copying failed: select the key and copy it.");
    }
  };

  if (created !== undefined) {
    return (
      <Dialog title={`Key “${created.name}” created`} onClose={onClose}>
        <p>Copy the key now: it is not shown again.</p>
        <code className="secret" data-testid="new-key">
          {created.key}
        </code>
        <p role="status" aria-live="polite" className="hint">
          {copied}
        </p>
        <div className="dialog-actions">
          <button type="button" onClick={() => void copyKey()} data-autofocus>
            Copy
          </button>
          <button type="button" className="primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Create key" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <KeyFormFields values={values} errors={errors} onChange={setValues} creating />
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}
