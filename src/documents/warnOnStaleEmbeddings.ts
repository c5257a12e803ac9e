/**
 * At start, with an embedding model configured: says once how many chunks have no vector of it (filed before it
 * was configured, or embedded by another model), since those are found by full text only until re-embedded.
 */
import type { DocumentStore } from "../store/documents.js";
import type { DocumentEmbedder } from "./documentEmbedder.js";

export async function warnOnStaleEmbeddings(
  documents: Pick<DocumentStore, "embeddingCoverage">,
  embedder: Pick<DocumentEmbedder, "model">,
  logger: { warn(obj: object, msg?: string): void },
): Promise<void> {
  const coverage = await documents.embeddingCoverage(embedder.model);
  if (coverage.otherModel + coverage.missing === 0) return;
  logger.warn(
    { model: embedder.model, ...coverage },
    "documents: some chunks have no vector of the configured embedding model and are found by full text only; POST /api/v2/admin/documents/reembed embeds them",
  );
}
