/**
 * API keys. An admin lists everyone's, creates (the key shown once), edits and revokes them; a user sees their own
 * keys, read-only (GET /api/v2/keys).
 */
import { useState } from "react";
import { isAdmin, useConsole } from "../../app/ConsoleContext";
import type { KeyView } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatTime, formatUsd } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { EditKeyDialog } from "./EditKeyDialog";

type Open = { kind: "create" } | { kind: "edit"; key: KeyView } | { kind: "revoke"; key: KeyView } | undefined;

export function keyStatus(key: KeyView, now: number = Date.now()): "revoked" | "expired" | "active" {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) return "expired";
  return "active";
}

export function KeysPage() {
  const { api, session } = useConsole();
  const admin = isAdmin(session);
  const [open, setOpen] = useState<Open>(undefined);
  const [showRevoked, setShowRevoked] = useState(false);
  const [notice, setNotice] = useState("");
  const keys = useApiData((signal) => api.get<{ data: KeyView[] }>(admin ? "/api/v2/admin/keys" : "/api/v2/keys", { signal }), [api, admin]);

  const shown = (keys.data?.data ?? []).filter((key) => showRevoked || key.revokedAt === null);
  const revoke = async (key: KeyView) => {
    await api.send<undefined>("DELETE", `/api/v2/admin/keys/${encodeURIComponent(key.id)}`);
    setOpen(undefined);
    setNotice(`Key “${key.name}” revoked.`);
    keys.reload();
  };

  return (
    <section className="page">
      <div className="page-head">
        <h1>Keys</h1>
        {admin ? (
          <button type="button" className="primary" onClick={() => setOpen({ kind: "create" })}>
            Create key
          </button>
        ) : null}
      </div>
      {admin ? null : <p className="hint">Your API keys. An administrator creates, changes and revokes keys.</p>}
      <p role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorMessage error={keys.error} />
      <label className="inline">
        <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} /> Show revoked keys
      </label>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Models</th>
              <th scope="col">RPM</th>
              <th scope="col">TPM</th>
              <th scope="col">Budget</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              {admin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((key) => {
              const status = keyStatus(key);
              return (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.userId}</td>
                  <td>{key.role}</td>
                  <td>{key.allowedModels === null ? "all" : key.allowedModels.join(", ")}</td>
                  <td>{key.rpm ?? "—"}</td>
                  <td>{key.tpm ?? "—"}</td>
                  <td>{key.budgetUsd === null ? "—" : `${formatUsd(key.budgetUsd)} / ${key.budgetWindow ?? ""}`}</td>
                  <td>{formatTime(key.expiresAt)}</td>
                  <td>{formatTime(key.lastUsedAt)}</td>
                  <td>
                    <span className={`badge badge-${status === "active" ? "good" : "bad"}`}>{status}</span>
                  </td>
                  {admin ? (
                    <td className="actions">
                      {status === "revoked" ? null : (
                        <>
                          <button type="button" onClick={() => setOpen({ kind: "edit", key })}>
                            Edit
                          </button>
                          <button type="button" className="danger" onClick={() => setOpen({ kind: "revoke", key })}>
                            Revoke
                          </button>
                        </>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {!keys.loading && shown.length === 0 && keys.error === undefined ? <p>No keys yet.</p> : null}
      {open?.kind === "create" ? (
        <CreateKeyDialog
          onCreated={(key) => {
            setNotice(`Key “${key.name}” created.`);
            keys.reload();
          }}
          onClose={() => setOpen(undefined)}
        />
      ) : null}
      {open?.kind === "edit" ? (
        <EditKeyDialog
          apiKey={open.key}
          onSaved={(key) => {
            setOpen(undefined);
            setNotice(`Key “${key.name}” saved.`);
            keys.reload();
          }}
          onClose={() => setOpen(undefined)}
        />
      ) : null}
      {open?.kind === "revoke" ? (
        <ConfirmDialog title={`Revoke key “${open.key.name}”?`} confirmLabel="Revoke key" onConfirm={() => revoke(open.key)} onCancel={() => setOpen(undefined)}>
          <p>Requests with this key fail at once. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
