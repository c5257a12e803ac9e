/**
 * The playground's transcript and message box, shared by both chat modes. The answer being streamed is a live
 * region (busy until it is complete, so a screen reader reads it once, whole).
 */
import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { Citation, ToolEvent } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { formatMs } from "../../format/formatters";
import { TurnStats, type TurnStatsValue } from "./TurnStats";

export interface Turn {
  id: number;
  user: string;
  assistant: string;
  status: "streaming" | "done" | "stopped" | "failed";
  error?: unknown;
  stats?: TurnStatsValue;
  citations?: Citation[];
  tools?: ToolEvent[];
}

export function patchTurn(turns: Turn[], id: number, patch: Partial<Turn>): Turn[] {
  return turns.map((turn) => (turn.id === id ? { ...turn, ...patch } : turn));
}

export function Transcript({ turns }: { turns: Turn[] }) {
  if (turns.length === 0) return <p className="hint">No messages yet.</p>;
  return (
    <ol className="transcript" aria-label="Conversation">
      {turns.map((turn) => (
        <li key={turn.id} className="turn">
          <div className="msg msg-user">
            <span className="who">You</span>
            <p>{turn.user}</p>
          </div>
          <div className="msg msg-assistant">
            <span className="who">Assistant</span>
            {turn.tools !== undefined && turn.tools.length > 0 ? <ToolList tools={turn.tools} /> : null}
            <p data-testid="assistant-message" aria-live="polite" aria-busy={turn.status === "streaming"}>
              {turn.assistant}
              {turn.status === "streaming" ? <span className="cursor" aria-hidden="true"></span> : null}
            </p>
            {turn.citations !== undefined ? <CitationList citations={turn.citations} /> : null}
            {turn.status === "stopped" ? <p className="hint">Stopped.</p> : null}
            {turn.status === "failed" ? <ErrorMessage error={turn.error} prefix="The turn failed" /> : null}
            {turn.stats !== undefined ? <TurnStats stats={turn.stats} /> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

function CitationList({ citations }: { citations: Citation[] }) {
  if (citations.length === 0) return <p className="hint">Sources: nothing in the project matched.</p>;
  return (
    <div className="citations">
      <h3>Sources</h3>
      <ol>
        {citations.map((citation) => (
          <li key={`${citation.n}-${citation.chunkId}`}>
            <span className="cite-n">[{citation.n}]</span> <strong>{citation.title}</strong>
            {citation.headingPath !== "" ? ` — ${citation.headingPath}` : ""} <span className="hint">(score {citation.score.toFixed(2)})</span>
            <div className="hint excerpt">{citation.excerpt}</div>
          </li>
        ))}
      </ol>
    </div>
  );
}

function ToolList({ tools }: { tools: ToolEvent[] }) {
  return (
    <ul className="tools" aria-label="Tool calls">
      {tools.map((tool) => (
        <li key={tool.id}>
          <span className="badge badge-neutral">tool</span> <code>{tool.name}</code>(<code>{JSON.stringify(tool.arguments)}</code>) →{" "}
          {tool.error !== undefined ? (
            <span className="error-text">
              {tool.error.message} ({tool.error.code})
            </span>
          ) : (
            <code>{truncate(JSON.stringify(tool.result) ?? "", 300)}</code>
          )}{" "}
          <span className="hint">
            {formatMs(tool.durationMs)}, step {tool.step}
          </span>
        </li>
      ))}
    </ul>
  );
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

export interface ComposerProps {
  busy: boolean;
  disabled?: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** Ctrl+Enter (or ⌘+Enter) sends; Enter alone is a new line. */
export function Composer({ busy, disabled = false, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const send = () => {
    const message = text.trim();
    if (message === "" || busy) return;
    setText("");
    onSend(message);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="playground-message">Message</label>
      <textarea id="playground-message" rows={3} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} aria-describedby="playground-message-hint" />
      <small id="playground-message-hint" className="hint">
        Ctrl+Enter sends.
      </small>
      <div className="composer-actions">
        <button type="submit" className="primary" disabled={busy || disabled || text.trim() === ""}>
          Send
        </button>
        {busy ? (
          <button type="button" onClick={onStop}>
            Stop
          </button>
        ) : null}
      </div>
    </form>
  );
}
