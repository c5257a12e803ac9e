/**
 * Embedding again, with the configured model, every chunk that has no vector of it: chunks filed before an
 * embedding model was configured, or embedded by a model since replaced. Vectors of another model are never
 * compared with queries, so until this has run those chunks are found by full text only. Pages through chunks in
 * id order; a run that fails (engine down) keeps what it wrote, and the next run carries on from what is left.
 */
import type { DocumentStore } from "../store/documents.js";
import { yieldToEventLoop } from "../store/yieldToEventLoop.js";
import type { DocumentEmbedder } from "./documentEmbedder.js";
import { chunkEmbeddingText } from "./chunkEmbeddingText.js";

export interface ReembedDeps {
  documents: Pick<DocumentStore, "chunksToEmbed" | "writeEmbeddings">;
  embedder: DocumentEmbedder;
  /** Chunks read, embedded and written at a time. */
  pageSize?: number;
}

export interface Reembedded {
  model: string;
  /** Chunks given a vector of the model by this run. */
  embedded: number;
}

const PAGE_SIZE = 256;

export async function reembedChunks(deps: ReembedDeps, signal: AbortSignal): Promise<Reembedded> {
  const { model } = deps.embedder;
  let after = 0;
  let embedded = 0;
  for (;;) {
    signal.throwIfAborted();
    const chunks = await deps.documents.chunksToEmbed(model, after, deps.pageSize ?? PAGE_SIZE);
    const last = chunks.at(-1);
    if (last === undefined) return { model, embedded };
    const vectors = await deps.embedder.embed(
      chunks.map((chunk) => chunkEmbeddingText(chunk.title, chunk.headingPath, chunk.text)),
      signal,
    );
    embedded += await deps.documents.writeEmbeddings(
      model,
      chunks.map((chunk, i) => ({ chunkId: chunk.chunkId, vector: vectors[i] ?? new Float32Array() })),
    );
    after = last.chunkId;
    // Many pages on SQLite would otherwise hold the event loop for the whole run.
    await yieldToEventLoop();
  }
}
