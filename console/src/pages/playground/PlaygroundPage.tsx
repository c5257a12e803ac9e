/**
 * Try the gateway: pick a model (GET /v1/models) and chat, streaming, over the OpenAI-compatible API or the
 * session API, with each turn's time to first token, tokens, cost, engine and trace id.
 */
import { useState } from "react";
import { useConsole } from "../../app/ConsoleContext";
import type { ModelList } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useApiData } from "../../hooks/useApiData";
import { CompletionChat } from "./CompletionChat";
import { SessionChat } from "./SessionChat";

type Mode = "completions" | "session";

export function PlaygroundPage() {
  const { api, session } = useConsole();
  const models = useApiData((signal) => api.get<ModelList>("/v1/models", { signal }), [api]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [mode, setMode] = useState<Mode>("completions");
  const [system, setSystem] = useState("");
  const ids = (models.data?.data ?? []).map((m) => m.id);
  const model = chosen ?? ids[0] ?? "";
  const sessionApi = session.features.sessionApi !== false;

  return (
    <section className="page playground">
      <h1>Playground</h1>
      <ErrorMessage error={models.error} prefix="Could not list models" />
      <div className="filters">
        <div className="field">
          <label htmlFor="playground-model">Model</label>
          <select id="playground-model" value={model} onChange={(e) => setChosen(e.target.value)}>
            {ids.length === 0 ? <option value="">{models.loading ? "Loading…" : "No models"}</option> : null}
            {ids.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        {sessionApi ? (
          <fieldset className="mode">
            <legend>API</legend>
            <label className="inline">
              <input type="radio" name="playground-mode" value="completions" checked={mode === "completions"} onChange={() => setMode("completions")} /> Chat completions
            </label>
            <label className="inline">
              <input type="radio" name="playground-mode" value="session" checked={mode === "session"} onChange={() => setMode("session")} /> Session chat
            </label>
          </fieldset>
        ) : null}
        <div className="field wide">
          <label htmlFor="playground-system">System prompt</label>
          <input id="playground-system" value={system} onChange={(e) => setSystem(e.target.value)} />
        </div>
      </div>
      {mode === "session" && sessionApi ? <SessionChat model={model} system={system} /> : <CompletionChat model={model} system={system} />}
    </section>
  );
}
