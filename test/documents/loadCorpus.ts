/** Files the test corpus through ingestDocument (the real chunking and store path) and maps corpus keys to ids. */
import { configSchema } from "../../src/config/schema.js";
import { ingestDocument } from "../../src/documents/ingestDocument.js";
import type { DocumentStore, Viewer } from "../../src/store/documents.js";
import type { CorpusDocument } from "./corpus.js";
import type { DocumentEmbedder } from "../../src/documents/documentEmbedder.js";

export const admin: Viewer = { userId: "librarian", admin: true, maxAccessLevel: undefined };

export const documentsConfig = configSchema.parse({}).documents;

/** With an embedder, each document's chunks are embedded as ingestion does with an embedding model configured. */
export async function loadCorpus(documents: DocumentStore, corpus: readonly CorpusDocument[], embedder?: DocumentEmbedder): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const doc of corpus) {
    const references = doc.referenceKeys.map((key) => {
      const id = ids.get(key);
      if (id === undefined) throw new Error(`corpus order: ${doc.key} references ${key} before it exists`);
      return id;
    });
    const { document } = await ingestDocument({ documents, config: documentsConfig, embedder }, admin, { ...doc.input, references });
    ids.set(doc.key, document.id);
  }
  return ids;
}
