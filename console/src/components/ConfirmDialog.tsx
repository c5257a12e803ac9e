import { useState, type ReactNode } from "react";
import { Dialog } from "./Dialog";
import { ErrorMessage } from "./ErrorMessage";

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Runs the action; the dialog stays open showing the error when it fails. */
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}

/** Asks before something that cannot be undone; Cancel has the focus, so Enter alone does no harm. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onCancel} role="alertdialog">
      <div className="dialog-body">{children}</div>
      <ErrorMessage error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
