/**
 * Document embedders over a real mock upstream for the store-level retrieval tests: the gateway's own routing,
 * createEmbedder and createDocumentEmbedder, with the mock answering hashedEmbedding vectors (or failing, when a
 * test scripts it so).
 */
import { configSchema } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { createRouting, type Routing } from "../../src/routing/createRouting.js";
import { createEmbedder } from "../../src/routing/createEmbedder.js";
import { createDocumentEmbedder, type DocumentEmbedder } from "../../src/documents/documentEmbedder.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { hashedEmbeddingScript, type HashedEmbeddingOptions } from "../support/hashedEmbedding.js";

export interface EmbeddingUpstream {
  mock: MockUpstream;
  /** An embedder for one of the engine's models ("hash" or "hash-v2": same vectors, different names). */
  embedderFor(model: "hash" | "hash-v2"): DocumentEmbedder;
  /** Back to answering vectors. */
  serveVectors(): void;
  /** Every embeddings request fails with this upstream status. */
  fail(status: number): void;
  close(): Promise<void>;
}

export async function startEmbeddingUpstream(options: HashedEmbeddingOptions = {}): Promise<EmbeddingUpstream> {
  const mock = await startMockUpstream();
  const script = hashedEmbeddingScript(options);
  mock.script = script;
  const configFor = (model?: string) =>
    configSchema.parse({
      engines: [{ name: "emb", type: "openai", baseUrl: mock.url, embeddingModels: ["hash", "hash-v2"], retry: { attempts: 0 }, timeouts: { totalMs: 5000 }, breaker: { minRequests: 1000 } }],
      ...(model ? { embeddings: { engine: "emb", model, maxInputs: 64 } } : {}),
    });
  const routing: Routing = createRouting(configFor(), createLogger("silent"));
  return {
    mock,
    embedderFor(model) {
      const config = configFor(model);
      const embedder = createDocumentEmbedder(createEmbedder(routing.router, config), config.embeddings);
      if (embedder === undefined) throw new Error("an embedding target is configured");
      return embedder;
    },
    serveVectors() {
      mock.script = script;
    },
    fail(status) {
      mock.script = () => ({ status, errorMessage: `embeddings are down (${status})` });
    },
    async close() {
      await routing.close();
      await mock.close();
    },
  };
}
