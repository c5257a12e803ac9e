/** Playground chat over the OpenAI-compatible API: the conversation is kept here and sent whole every turn. */
import { useEffect, useRef, useState } from "react";
import { useConsole } from "../../app/ConsoleContext";
import { Composer, Transcript, patchTurn, type Turn } from "./Conversation";
import { runCompletionTurn, type ChatMessage } from "./completionTurn";
import { lookupTurnUsage, sumUsage } from "./turnUsage";

export function CompletionChat({ model, system }: { model: string; system: string }) {
  const { api, now, sleep } = useConsole();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [busy, setBusy] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);
  const nextId = useRef(1);

  useEffect(() => () => controller.current?.abort(), []);

  const send = async (message: string) => {
    const id = nextId.current++;
    const history: ChatMessage[] = turns
      .filter((turn) => turn.status === "done")
      .flatMap((turn): ChatMessage[] => [
        { role: "user", content: turn.user },
        { role: "assistant", content: turn.assistant },
      ]);
    const messages: ChatMessage[] = [...(system.trim() === "" ? [] : [{ role: "system" as const, content: system.trim() }]), ...history, { role: "user", content: message }];
    setTurns((all) => [...all, { id, user: message, assistant: "", status: "streaming" }]);
    setBusy(true);
    const abort = new AbortController();
    controller.current = abort;
    try {
      const outcome = await runCompletionTurn(api, { model, messages, signal: abort.signal, now, onText: (text) => setTurns((all) => patchTurn(all, id, { assistant: text })) });
      const stats = {
        ttftMs: outcome.ttftMs,
        inputTokens: outcome.usage?.inputTokens ?? null,
        outputTokens: outcome.usage?.outputTokens ?? null,
        costUsd: undefined,
        engine: outcome.engine,
        model: outcome.model,
        traceId: outcome.traceId,
        requestId: null,
      };
      setTurns((all) => patchTurn(all, id, { assistant: outcome.text, status: "done", stats }));
      setBusy(false);
      if (outcome.traceId === null) {
        setTurns((all) => patchTurn(all, id, { stats: { ...stats, costUsd: null } }));
        return;
      }
      const rows = await lookupTurnUsage(api, outcome.traceId, { limit: 1, sleep }).catch(() => []);
      const sum = rows.length === 0 ? undefined : sumUsage(rows);
      setTurns((all) =>
        patchTurn(all, id, {
          stats: {
            ...stats,
            costUsd: sum?.costUsd ?? null,
            requestId: sum?.requestId ?? null,
            inputTokens: stats.inputTokens ?? sum?.inputTokens ?? null,
            outputTokens: stats.outputTokens ?? sum?.outputTokens ?? null,
          },
        }),
      );
    } catch (error) {
      const stopped = abort.signal.aborted;
      setTurns((all) => patchTurn(all, id, stopped ? { status: "stopped" } : { status: "failed", error }));
      setBusy(false);
    }
  };

  return (
    <>
      <Transcript turns={turns} />
      <Composer busy={busy} disabled={model === ""} onSend={(text) => void send(text)} onStop={() => controller.current?.abort()} />
      {turns.length > 0 && !busy ? (
        <button type="button" onClick={() => setTurns([])}>
          New conversation
        </button>
      ) : null}
    </>
  );
}
