/**
 * Full-text retrieval over documents: the best chunks by relevance among the documents the viewer may see, then
 * (when asked) the documents those reference and the ones citing them, as excerpts. The Retriever
 * (createRetriever.ts) adds vector and hybrid retrieval on top; this is its lexical mode.
 *
 * Scores are relative: each dialect's raw relevance (SQLite bm25, PostgreSQL ts_rank_cd — related, not the same
 * formula) is divided by the best one of the query, so the top chunk scores 1 and a threshold of 0.5 means "at
 * least half as relevant as the best match" on either store. A linked document scores its root's score halved
 * per step of the walk, so it ranks below the match that led to it.
 */
import type { DocumentStore, Viewer } from "../store/documents.js";
import type { LinkDirection } from "../store/documentGraph.js";
import { searchTerms } from "./searchTerms.js";
import { expandMatches } from "./expandMatches.js";
import { roundScore } from "./roundScore.js";

/** lexical: full text only; vector: embeddings only; hybrid: both, fused by reciprocal rank. */
export type RetrievalMode = "lexical" | "vector" | "hybrid";

export const retrievalModes: readonly RetrievalMode[] = ["lexical", "vector", "hybrid"];

export interface SearchRequest {
  q: string;
  projectId?: string | undefined;
  type?: string | undefined;
  topK: number;
  /** 0..1; matches scoring below it are dropped (and expand nothing). */
  threshold: number;
  /** Steps of references to follow from the matches, either way; 0: none. */
  expand: number;
  /** Default: hybrid when an embedding model is configured, else lexical. */
  mode?: RetrievalMode | undefined;
  /** Cosine similarity a vector match needs (0..1); default `retrieval.vectorThreshold`. */
  vectorThreshold?: number | undefined;
}

export interface SearchResult {
  documentId: string;
  title: string;
  /** The matching chunk; null for a linked document, which contributes its excerpt. */
  chunkId: number | null;
  text: string;
  headingPath: string;
  /** 0..1, relative to the best match of the query (which scores 1); see createRetriever.ts for each mode. */
  score: number;
  via: "match" | LinkDirection;
  /** Steps from the match it was reached from (0 for matches). */
  depth: number;
  /** The matched document it was reached from (itself for matches). */
  fromDocumentId: string;
  /** Full-text relevance relative to the best full-text match (0..1); null when full text did not find the chunk. */
  lexicalScore?: number | null;
  /** Cosine similarity with the query (-1..1); null when vector search did not find (or did not run for) the chunk. */
  vectorScore?: number | null;
}

export { MAX_EXPAND_DEPTH } from "./expandMatches.js";

export async function searchDocuments(
  documents: Pick<DocumentStore, "searchChunks" | "linked">,
  viewer: Viewer,
  request: SearchRequest,
  signal?: AbortSignal,
): Promise<SearchResult[]> {
  signal?.throwIfAborted();
  const hits = await documents.searchChunks(searchTerms(request.q), filterOf(viewer, request), request.topK);
  const matches = relativeToBest(hits.map((hit) => ({ ...hit, lexical: hit.raw }))).filter((match) => match.score >= request.threshold);
  return expandMatches(documents, viewer, request, matches, signal);
}

export function filterOf(viewer: Viewer, request: Pick<SearchRequest, "projectId" | "type">) {
  return { projectId: request.projectId, type: request.type, maxAccessLevel: viewer.maxAccessLevel };
}

interface LexicalCandidate {
  chunkId: number;
  documentId: string;
  title: string;
  text: string;
  headingPath: string;
  lexical: number;
}

/**
 * Full-text hits as matches: each scores its relevance divided by the best one's. Every hit contains a query term,
 * so none scores 0 (0 means nothing in common): SQLite's bm25 gives a term found in every document almost no
 * weight, which would otherwise round a real match down to 0. Hits that all weigh nothing are equally good.
 */
export function relativeToBest(hits: readonly LexicalCandidate[]): SearchResult[] {
  const best = hits[0]?.lexical ?? 0;
  return hits.map((hit) => {
    const score = best > 0 ? Math.max(LEAST_MATCH_SCORE, roundScore(hit.lexical / best)) : 1;
    return { ...matchOf(hit), score, lexicalScore: score, vectorScore: null };
  });
}

/** The smallest score roundScore keeps: what a full-text match that barely counts scores. */
const LEAST_MATCH_SCORE = 0.0001;

export function matchOf(hit: Omit<LexicalCandidate, "lexical">): Omit<SearchResult, "score"> {
  return {
    documentId: hit.documentId,
    title: hit.title,
    chunkId: hit.chunkId,
    text: hit.text,
    headingPath: hit.headingPath,
    via: "match",
    depth: 0,
    fromDocumentId: hit.documentId,
  };
}
