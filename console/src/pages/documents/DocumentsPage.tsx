/**
 * Documents for retrieval, per project: the project's documents the caller may read (newest first, paged), an
 * upload with progress and ingestion status, and deleting (owner or admin).
 */
import { useState, type FormEvent } from "react";
import { useConsole } from "../../app/ConsoleContext";
import { queryString } from "../../api/createApiClient";
import type { DocumentRecord } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatTime } from "../../format/formatters";
import { useApiData } from "../../hooks/useApiData";
import { UploadForm } from "./UploadForm";

export function DocumentsPage() {
  const [draft, setDraft] = useState("");
  const [projectId, setProjectId] = useState("");
  const open = (event: FormEvent) => {
    event.preventDefault();
    setProjectId(draft.trim());
  };
  return (
    <section className="page">
      <h1>Documents</h1>
      <form className="filters" onSubmit={open} aria-label="Choose a project">
        <div className="field">
          <label htmlFor="project-id">Project id</label>
          <input id="project-id" value={draft} onChange={(e) => setDraft(e.target.value)} required spellCheck={false} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary" disabled={draft.trim() === ""}>
            Open project
          </button>
        </div>
      </form>
      {projectId === "" ? <p className="hint">Documents are filed per project: name one to see and add its documents.</p> : <Project key={projectId} projectId={projectId} />}
    </section>
  );
}

function Project({ projectId }: { projectId: string }) {
  const { api } = useConsole();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [deleting, setDeleting] = useState<DocumentRecord | undefined>(undefined);
  const [notice, setNotice] = useState("");
  const path = `/api/v2/documents${queryString({ projectId, limit: 50, cursor: cursors[cursors.length - 1] })}`;
  const list = useApiData((signal) => api.get<{ data: DocumentRecord[]; nextCursor: string | null }>(path, { signal }), [api, path]);
  const documents = list.data?.data ?? [];

  const remove = async (document: DocumentRecord) => {
    await api.send<undefined>("DELETE", `/api/v2/documents/${encodeURIComponent(document.id)}`);
    setDeleting(undefined);
    setNotice(`Deleted “${document.title}”.`);
    list.reload();
  };

  return (
    <>
      <h2>Project {projectId}</h2>
      <p role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorMessage error={list.error} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Documents of project {projectId}</caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Type</th>
              <th scope="col">Access level</th>
              <th scope="col">Owner</th>
              <th scope="col">Updated</th>
              <th scope="col">Id</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((document) => (
              <tr key={document.id}>
                <th scope="row">
                  {document.title}
                  <div className="hint excerpt">{document.excerpt}</div>
                </th>
                <td>{document.type}</td>
                <td>{document.accessLevel}</td>
                <td>{document.ownerId}</td>
                <td>{formatTime(document.updatedAt)}</td>
                <td>
                  <code>{document.id}</code>
                </td>
                <td>
                  <button type="button" className="danger" onClick={() => setDeleting(document)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data !== undefined && documents.length === 0 ? <p>No documents in this project yet.</p> : null}
      <div className="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={typeof list.data?.nextCursor !== "string"}
          onClick={() => {
            const next = list.data?.nextCursor;
            if (typeof next === "string") setCursors([...cursors, next]);
          }}
        >
          Next page
        </button>
      </div>
      <UploadForm
        projectId={projectId}
        onIndexed={() => {
          setCursors([undefined]);
          list.reload();
        }}
      />
      {deleting !== undefined ? (
        <ConfirmDialog title={`Delete “${deleting.title}”?`} confirmLabel="Delete document" onConfirm={() => remove(deleting)} onCancel={() => setDeleting(undefined)}>
          <p>Its chunks and references go with it. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
