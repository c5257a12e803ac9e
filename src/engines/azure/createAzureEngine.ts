/**
 * Azure OpenAI: the OpenAI wire on deployment URLs. Each model id is served by a deployment (its own name unless
 * `deployments` maps it), at `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`, with
 * the key in an `api-key` header. Streams, errors, retries and key rotation are the OpenAI engine's.
 */
import type { AzureEngineConfig } from "../../config/schema.js";
import type { Engine } from "../spec.js";
import { createOpenAIWireEngine, type OpenAIEngineOptions } from "../openai/createOpenAIEngine.js";

export function createAzureEngine(config: AzureEngineConfig, options: OpenAIEngineOptions = {}): Engine {
  const endpoint = new URL(config.endpoint);
  const base = endpoint.pathname.replace(/\/+$/, "");
  const query = `?api-version=${encodeURIComponent(config.apiVersion)}`;
  const paths = new Map<string, { chat: string; embeddings: string }>();
  const pathsOf = (model: string) => {
    let found = paths.get(model);
    if (found === undefined) {
      const deployment = `${base}/openai/deployments/${encodeURIComponent(config.deployments[model] ?? model)}`;
      found = { chat: `${deployment}/chat/completions${query}`, embeddings: `${deployment}/embeddings${query}` };
      paths.set(model, found);
    }
    return found;
  };
  return createOpenAIWireEngine(
    {
      type: "azure",
      origin: endpoint.origin,
      chatPath: (model) => pathsOf(model).chat,
      embeddingsPath: (model) => pathsOf(model).embeddings,
      credential: (key) => ["api-key", key],
    },
    config,
    options,
  );
}
