/**
 * The one way the gateway retrieves: the search route, chat retrieval (RAG) and the `search_documents` tool all go
 * through a Retriever, so they rank, filter and expand alike.
 */
import type { DocumentStore, Viewer } from "../store/documents.js";
import { searchDocuments, type SearchRequest, type SearchResult } from "./searchDocuments.js";

export interface Retriever {
  search(viewer: Viewer, request: SearchRequest, signal?: AbortSignal): Promise<SearchResult[]>;
}

export interface RetrieverDeps {
  documents: Pick<DocumentStore, "searchChunks" | "linked">;
}

export function createRetriever(deps: RetrieverDeps): Retriever {
  return {
    search: (viewer, request, signal) => searchDocuments(deps.documents, viewer, request, signal),
  };
}
