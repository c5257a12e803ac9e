/**
 * Retrieval over documents: the best chunks by full-text relevance among the documents the viewer may see, then
 * (when asked) the documents those reference and the ones citing them, as excerpts.
 *
 * Scores are relative: each dialect's raw relevance (SQLite bm25, PostgreSQL ts_rank_cd — related, not the same
 * formula) is divided by the best one of the query, so the top chunk scores 1 and a threshold of 0.5 means "at
 * least half as relevant as the best match" on either store. A linked document scores its root's score halved
 * per step of the walk, so it ranks below the match that led to it.
 */
import type { DocumentStore, Viewer } from "../store/documents.js";
import type { LinkDirection } from "../store/documentGraph.js";
import { searchTerms } from "./searchTerms.js";

export interface SearchRequest {
  q: string;
  projectId?: string | undefined;
  type?: string | undefined;
  topK: number;
  /** 0..1; matches scoring below it are dropped (and expand nothing). */
  threshold: number;
  /** Steps of references to follow from the matches, either way; 0: none. */
  expand: number;
}

export interface SearchResult {
  documentId: string;
  title: string;
  /** The matching chunk; null for a linked document, which contributes its excerpt. */
  chunkId: number | null;
  text: string;
  headingPath: string;
  score: number;
  via: "match" | LinkDirection;
  /** Steps from the match it was reached from (0 for matches). */
  depth: number;
  /** The matched document it was reached from (itself for matches). */
  fromDocumentId: string;
}

export const MAX_EXPAND_DEPTH = 3;
const LINK_DECAY = 0.5;

export async function searchDocuments(
  documents: Pick<DocumentStore, "searchChunks" | "linked">,
  viewer: Viewer,
  request: SearchRequest,
  signal?: AbortSignal,
): Promise<SearchResult[]> {
  signal?.throwIfAborted();
  const filter = { projectId: request.projectId, type: request.type, maxAccessLevel: viewer.maxAccessLevel };
  const hits = await documents.searchChunks(searchTerms(request.q), filter, request.topK);
  const best = hits[0]?.raw ?? 0;
  const matches: SearchResult[] = hits
    .map((hit) => ({
      documentId: hit.documentId,
      title: hit.title,
      chunkId: hit.chunkId,
      text: hit.text,
      headingPath: hit.headingPath,
      score: best > 0 ? round(hit.raw / best) : 0,
      via: "match" as const,
      depth: 0,
      fromDocumentId: hit.documentId,
    }))
    .filter((match) => match.score >= request.threshold);
  if (request.expand < 1 || matches.length === 0) return matches;

  signal?.throwIfAborted();
  const rootScore = new Map<string, number>();
  for (const match of matches) rootScore.set(match.documentId, Math.max(rootScore.get(match.documentId) ?? 0, match.score));
  const linked = await documents.linked([...rootScore.keys()], Math.min(request.expand, MAX_EXPAND_DEPTH), {
    projectId: request.projectId,
    maxAccessLevel: viewer.maxAccessLevel,
  });
  // Each linked document once, by its best path: fewest steps, then the best-scoring match it hangs off.
  const chosen = new Map<string, SearchResult>();
  for (const link of linked) {
    if (rootScore.has(link.documentId)) continue;
    const score = round((rootScore.get(link.rootId) ?? 0) * LINK_DECAY ** link.depth);
    const current = chosen.get(link.documentId);
    if (current !== undefined && (current.depth < link.depth || (current.depth === link.depth && current.score >= score))) continue;
    chosen.set(link.documentId, {
      documentId: link.documentId,
      title: link.title,
      chunkId: null,
      text: link.excerpt,
      headingPath: "",
      score,
      via: link.direction,
      depth: link.depth,
      fromDocumentId: link.rootId,
    });
  }
  const expansions = [...chosen.values()].sort((a, b) => b.score - a.score || a.depth - b.depth || a.documentId.localeCompare(b.documentId));
  return [...matches, ...expansions];
}

function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
