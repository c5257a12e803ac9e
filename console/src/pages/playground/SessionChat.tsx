/**
 * Playground chat over the session API: the gateway keeps the history (continue any of your sessions), can
 * retrieve sources from a project's documents (shown as citations) and run server-side tools (shown inline).
 */
import { useEffect, useRef, useState } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { ChatSession, SessionMessage } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useApiData } from "../../hooks/useApiData";
import { Composer, Transcript, patchTurn, type Turn } from "./Conversation";
import { splitEngineModel } from "./engineOf";
import { runSessionTurn, type SessionTurnRequest } from "./sessionTurn";
import { lookupTurnUsage, sumUsage } from "./turnUsage";

/** Stored messages as turns: each user message with the answer after it. */
export function turnsOf(messages: SessionMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      turns.push({ id: turns.length + 1, user: message.content, assistant: "", status: "done" });
      continue;
    }
    const last = turns[turns.length - 1];
    if (message.role !== "assistant" || last === undefined || message.content === "") continue;
    last.assistant = last.assistant === "" ? message.content : `${last.assistant}\n${message.content}`;
    if (message.citations !== null) last.citations = message.citations;
    if (message.status === "incomplete") last.status = "stopped";
    last.stats = {
      ttftMs: null,
      inputTokens: message.usage?.inputTokens ?? null,
      outputTokens: message.usage?.outputTokens ?? null,
      costUsd: null,
      engine: message.engine,
      model: message.model,
      traceId: message.traceId,
      requestId: null,
    };
  }
  return turns;
}

export function SessionChat({ model, system }: { model: string; system: string }) {
  const { api, now, sleep } = useConsole();
  const sessions = useApiData((signal) => api.get<{ data: ChatSession[] }>("/api/v2/chat/sessions?limit=20", { signal }), [api]);
  const [sessionId, setSessionId] = useState("");
  const [projectId, setProjectId] = useState("");
  const [rag, setRag] = useState(false);
  const [tools, setTools] = useState(false);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);
  const nextId = useRef(1000);

  useEffect(() => () => controller.current?.abort(), []);

  const choose = async (id: string) => {
    setSessionId(id);
    setTurns([]);
    setLoadError(undefined);
    if (id === "") return;
    try {
      const page = await api.get<{ data: SessionMessage[] }>(`/api/v2/chat/sessions/${encodeURIComponent(id)}/messages?limit=100`);
      setTurns(turnsOf(page.data));
    } catch (error) {
      setLoadError(error);
    }
  };

  const send = async (message: string) => {
    const id = nextId.current++;
    const { engine, model: modelId } = splitEngineModel(model);
    const request: SessionTurnRequest & { system?: string } = { message, engine };
    if (modelId !== null) request.model = modelId;
    if (sessionId !== "") request.sessionId = sessionId;
    if (system.trim() !== "") request.system = system.trim();
    if (projectId.trim() !== "") request.projectId = projectId.trim();
    if (rag) request.rag = true;
    if (tools) request.tools = true;
    setTurns((all) => [...all, { id, user: message, assistant: "", status: "streaming" }]);
    setBusy(true);
    const abort = new AbortController();
    controller.current = abort;
    try {
      const outcome = await runSessionTurn(api, request, {
        signal: abort.signal,
        now,
        handlers: {
          onMeta: (meta) => {
            if (meta.sessionId !== sessionId) {
              setSessionId(meta.sessionId);
              sessions.reload();
            }
          },
          onText: (text) => setTurns((all) => patchTurn(all, id, { assistant: text })),
          onCitations: (citations) => setTurns((all) => patchTurn(all, id, { citations })),
          onTool: (tool) => setTurns((all) => all.map((turn) => (turn.id === id ? { ...turn, tools: [...(turn.tools ?? []), tool] } : turn))),
        },
      });
      const stats = {
        ttftMs: outcome.ttftMs,
        inputTokens: outcome.usage?.inputTokens ?? null,
        outputTokens: outcome.usage?.outputTokens ?? null,
        costUsd: undefined,
        engine: outcome.meta?.engine ?? null,
        model: outcome.meta?.model ?? null,
        traceId: outcome.traceId,
        requestId: null,
      };
      setTurns((all) => patchTurn(all, id, { assistant: outcome.text, status: "done", stats }));
      setBusy(false);
      const rows = outcome.traceId === null ? [] : await lookupTurnUsage(api, outcome.traceId, { limit: 20, sleep }).catch(() => []);
      const sum = rows.length === 0 ? undefined : sumUsage(rows);
      setTurns((all) => patchTurn(all, id, { stats: { ...stats, costUsd: sum?.costUsd ?? null, requestId: sum?.requestId ?? null } }));
    } catch (error) {
      const stopped = abort.signal.aborted;
      setTurns((all) => patchTurn(all, id, stopped ? { status: "stopped" } : { status: "failed", error }));
      setBusy(false);
    }
  };

  const list = sessions.data?.data ?? [];
  return (
    <>
      <div className="filters">
        <div className="field">
          <label htmlFor="playground-session">Session</label>
          <select id="playground-session" value={sessionId} onChange={(e) => void choose(e.target.value)} disabled={busy}>
            <option value="">New session</option>
            {sessionId !== "" && !list.some((s) => s.id === sessionId) ? <option value={sessionId}>This session</option> : null}
            {list.map((session) => (
              <option key={session.id} value={session.id}>
                {session.title ?? session.id} ({session.messageCount} messages)
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="playground-project">Project id</label>
          <input id="playground-project" value={projectId} onChange={(e) => setProjectId(e.target.value)} spellCheck={false} />
        </div>
        <label className="inline">
          <input type="checkbox" checked={rag} onChange={(e) => setRag(e.target.checked)} /> Retrieve from the project&apos;s documents
        </label>
        <label className="inline">
          <input type="checkbox" checked={tools} onChange={(e) => setTools(e.target.checked)} /> Offer server-side tools
        </label>
      </div>
      <ErrorMessage error={sessions.error} />
      <ErrorMessage error={loadError} />
      <Transcript turns={turns} />
      <Composer busy={busy} disabled={model === ""} onSend={(text) => void send(text)} onStop={() => controller.current?.abort()} />
    </>
  );
}
