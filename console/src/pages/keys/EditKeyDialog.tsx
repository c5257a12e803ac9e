/** Changing a key's limits, budget, models or expiry (PATCH; the gateway applies them at once). */
import { useState, type FormEvent } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { KeyView } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { ErrorMessage } from "../../components/ErrorMessage";
import { KeyFormFields } from "./KeyFormFields";
import { formValuesOf, keyPatch, type KeyFormErrors } from "./keyForm";

export interface EditKeyDialogProps {
  apiKey: KeyView;
  onSaved: (key: KeyView) => void;
  onClose: () => void;
}

export function EditKeyDialog({ apiKey, onSaved, onClose }: EditKeyDialogProps) {
  const { api } = useConsole();
  const [values, setValues] = useState(() => formValuesOf(apiKey));
  const [errors, setErrors] = useState<KeyFormErrors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { patch, errors: found } = keyPatch(apiKey, values);
    setErrors(found);
    if (patch === undefined) return;
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.send<KeyView>("PATCH", `/api/v2/admin/keys/${encodeURIComponent(apiKey.id)}`, patch));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Edit key “${apiKey.name}”`} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <KeyFormFields values={values} errors={errors} onChange={setValues} creating={false} />
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
