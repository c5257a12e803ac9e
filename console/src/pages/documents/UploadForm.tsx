/**
 * Uploading a document into the project: the file with its title, type and access level, a progress bar while the
 * bytes go out, then the ingestion job's status until it is indexed (or why it failed).
 */
import { useState, type FormEvent } from "react";
import { useConsole } from "../../app/ConsoleContext";
import { ApiError } from "../../api/apiError";
import type { DocumentRecord, IngestJob } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { uploadDocument } from "./uploadDocument";

export const POLL_MS = 1000;

/** 202 with a job to follow (?async=true), or 201 with the indexed document. */
type UploadAnswer = { jobId: string; status: "queued" } | (DocumentRecord & { chunkCount: number });

type Phase =
  | { kind: "idle" }
  | { kind: "uploading"; fraction: number }
  | { kind: "job"; job: IngestJob }
  | { kind: "indexed"; title: string; chunkCount: number }
  | { kind: "failed"; error: unknown };

export function UploadForm({ projectId, onIndexed }: { projectId: string; onIndexed: () => void }) {
  const { api, createXhr, sleep } = useConsole();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [title, setTitle] = useState("");
  const [type, setType] = useState("note");
  const [accessLevel, setAccessLevel] = useState("");
  const [background, setBackground] = useState(true);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });

  const send = async (async: boolean, chosen: File) => {
    const form = new FormData();
    form.set("projectId", projectId);
    form.set("type", type.trim() === "" ? "note" : type.trim());
    form.set("title", title.trim() === "" ? chosen.name : title.trim());
    if (accessLevel.trim() !== "") form.set("accessLevel", accessLevel.trim());
    form.set("file", chosen, chosen.name);
    return uploadDocument<UploadAnswer>({
      createXhr,
      url: `/api/v2/documents${async ? "?async=true" : ""}`,
      form,
      headers: api.changeHeaders(),
      onProgress: (fraction) => setPhase({ kind: "uploading", fraction }),
    });
  };

  const follow = async (job: IngestJob) => {
    let current = job;
    setPhase({ kind: "job", job: current });
    while (current.status === "queued" || current.status === "running") {
      await sleep(POLL_MS);
      current = await api.get<IngestJob>(`/api/v2/documents/jobs/${encodeURIComponent(current.id)}`);
      setPhase({ kind: "job", job: current });
    }
    if (current.status === "completed") onIndexed();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === undefined) return;
    setPhase({ kind: "uploading", fraction: 0 });
    try {
      let answer;
      try {
        answer = await send(background, file);
      } catch (error) {
        // Without a background job queue the gateway refuses ?async=true: index it in the request instead.
        if (!(background && error instanceof ApiError && error.param === "async")) throw error;
        answer = await send(false, file);
      }
      const body = answer.body;
      if ("jobId" in body) {
        await follow({ id: body.jobId, status: body.status, createdAt: new Date().toISOString() });
      } else {
        setPhase({ kind: "indexed", title: body.title, chunkCount: body.chunkCount });
        onIndexed();
      }
    } catch (error) {
      api.reportFailure(error);
      setPhase({ kind: "failed", error });
    }
  };

  return (
    <form className="stack upload" onSubmit={(event) => void submit(event)} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a document</h2>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="upload-file">File</label>
          <input id="upload-file" type="file" accept=".md,.markdown,.html,.htm,.txt,text/markdown,text/html,text/plain" onChange={(e) => setFile(e.target.files?.[0])} />
          <small className="hint">Markdown, HTML or plain text</small>
        </div>
        <div className="field">
          <label htmlFor="upload-title-field">Title</label>
          <input id="upload-title-field" value={title} onChange={(e) => setTitle(e.target.value)} placeholder={file?.name ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="upload-type">Type</label>
          <input id="upload-type" value={type} onChange={(e) => setType(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="upload-access">Access level</label>
          <input id="upload-access" inputMode="numeric" value={accessLevel} onChange={(e) => setAccessLevel(e.target.value)} placeholder="0" />
        </div>
      </div>
      <label className="inline">
        <input type="checkbox" checked={background} onChange={(e) => setBackground(e.target.checked)} /> Index in the background
      </label>
      <div>
        <button type="submit" className="primary" disabled={file === undefined || phase.kind === "uploading"}>
          Upload
        </button>
      </div>
      <div aria-live="polite" className="upload-status">
        {phase.kind === "uploading" ? (
          <>
            <label htmlFor="upload-progress">Upload progress</label> <progress id="upload-progress" max={1} value={phase.fraction} /> {Math.round(phase.fraction * 100)}%
          </>
        ) : null}
        {phase.kind === "job" ? <JobStatus job={phase.job} /> : null}
        {phase.kind === "indexed" ? (
          <p>
            Indexed “{phase.title}”: {phase.chunkCount} chunks.
          </p>
        ) : null}
      </div>
      {phase.kind === "failed" ? <ErrorMessage error={phase.error} prefix="Upload failed" /> : null}
    </form>
  );
}

function JobStatus({ job }: { job: IngestJob }) {
  return (
    <p>
      Ingestion job <code>{job.id}</code>: <span className={`badge badge-${job.status === "completed" ? "good" : job.status === "failed" ? "bad" : "warn"}`}>{job.status}</span>
      {job.status === "completed" ? ` — ${job.chunkCount ?? 0} chunks, document ${job.documentId ?? ""}` : null}
      {job.error !== undefined ? (
        <span className="error-text">
          {" "}
          — {job.error.message} ({job.error.code})
        </span>
      ) : null}
    </p>
  );
}
