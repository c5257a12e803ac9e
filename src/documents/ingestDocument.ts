/**
 * Files a document: checks it, cuts it into chunks, embeds them (when an embedding model is configured), and writes
 * document, chunks, full-text entries, vectors and references in one transaction (a replacement swaps all of them at
 * once). Embedding comes before the transaction: when the embedding engine fails, the ingestion fails with the
 * engine's error and nothing is written — a document is never filed half-indexed. Knows nothing of HTTP, so a
 * background job can call it as well; the signal stops it between steps (a store transaction, once begun,
 * completes or rolls back whole).
 */
import { GatewayError } from "../errors.js";
import type { DocumentsConfig } from "../config/documentsSchema.js";
import type { DocumentRecord, DocumentStore, Viewer } from "../store/documents.js";
import { prepareDocument, type DocumentFormat } from "./prepareDocument.js";
import type { DocumentEmbedder } from "./documentEmbedder.js";
import { chunkEmbeddingText } from "./chunkEmbeddingText.js";

export interface DocumentInput {
  projectId: string;
  type: string;
  title: string;
  content: string;
  format: DocumentFormat;
  /** Default 0 (public). */
  accessLevel?: number | undefined;
  references?: readonly string[] | undefined;
}

export interface IngestDeps {
  documents: Pick<DocumentStore, "create" | "replace">;
  config: DocumentsConfig;
  /** Embeds the chunks for vector search; absent: the document is indexed for full-text search only. */
  embedder?: DocumentEmbedder | undefined;
}

export interface IngestOptions {
  signal?: AbortSignal | undefined;
  /** Replace this document (content, metadata, references) instead of creating one. */
  replaceId?: string | undefined;
}

export interface Ingested {
  document: DocumentRecord;
  chunkCount: number;
}

const MAX_REFERENCES = 1000;

export async function ingestDocument(deps: IngestDeps, writer: Viewer, input: DocumentInput, options: IngestOptions = {}): Promise<Ingested> {
  options.signal?.throwIfAborted();
  const title = input.title.trim();
  checkText("projectId", input.projectId, 200);
  checkText("type", input.type, 100);
  checkText("title", title, 500);
  const bytes = Buffer.byteLength(input.content);
  if (bytes > deps.config.maxBytes) {
    throw new GatewayError("payload_too_large", `the document is ${bytes} bytes; at most ${deps.config.maxBytes} are accepted (documents.maxBytes)`, {
      param: "content",
    });
  }
  if (input.content.trim() === "") throw new GatewayError("invalid_request", "the document has no content", { param: "content" });
  const references = input.references ?? [];
  if (references.length > MAX_REFERENCES) {
    throw new GatewayError("invalid_request", `a document may reference at most ${MAX_REFERENCES} documents`, { param: "references" });
  }

  const prepared = prepareDocument(input.content, input.format, deps.config);
  if (prepared.chunks.length === 0) throw new GatewayError("invalid_request", "the document has no text to index", { param: "content" });
  options.signal?.throwIfAborted();
  const chunks = prepared.chunks.map((chunk) => ({ text: chunk.text, tokenCount: chunk.tokenCount, headingPath: chunk.headingPath.join(" > ") }));
  const embeddings =
    deps.embedder === undefined
      ? undefined
      : {
          model: deps.embedder.model,
          vectors: await deps.embedder.embed(
            chunks.map((chunk) => chunkEmbeddingText(title, chunk.headingPath, chunk.text)),
            options.signal ?? new AbortController().signal,
          ),
        };
  options.signal?.throwIfAborted();
  const content = {
    projectId: input.projectId,
    type: input.type,
    title,
    content: input.content,
    excerpt: prepared.excerpt,
    accessLevel: input.accessLevel ?? 0,
    contentHash: prepared.contentHash,
    chunks,
    references,
    embeddings,
  };
  if (options.replaceId === undefined) {
    return { document: await deps.documents.create(content, writer), chunkCount: prepared.chunks.length };
  }
  const document = await deps.documents.replace(options.replaceId, content, writer);
  if (document === undefined) throw new GatewayError("not_found", `document ${options.replaceId} not found`);
  return { document, chunkCount: prepared.chunks.length };
}

function checkText(param: string, value: string, max: number): void {
  if (value.trim() === "" || value.length > max) throw new GatewayError("invalid_request", `${param} must be 1 to ${max} characters`, { param });
}
