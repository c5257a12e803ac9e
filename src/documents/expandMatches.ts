/**
 * Graph expansion of retrieval matches: the documents the matched ones reference and the ones citing them, up to
 * `request.expand` steps and only through documents the viewer may see. Each linked document appears once, by its
 * best path, with its excerpt, scoring its match's score halved per step.
 */
import type { DocumentStore, Viewer } from "../store/documents.js";
import type { SearchRequest, SearchResult } from "./searchDocuments.js";
import { roundScore } from "./roundScore.js";

export const MAX_EXPAND_DEPTH = 3;
const LINK_DECAY = 0.5;

export async function expandMatches(
  documents: Pick<DocumentStore, "linked">,
  viewer: Viewer,
  request: Pick<SearchRequest, "expand" | "projectId">,
  matches: SearchResult[],
  signal?: AbortSignal,
): Promise<SearchResult[]> {
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
    const score = roundScore((rootScore.get(link.rootId) ?? 0) * LINK_DECAY ** link.depth);
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
      lexicalScore: null,
      vectorScore: null,
    });
  }
  const expansions = [...chosen.values()].sort((a, b) => b.score - a.score || a.depth - b.depth || a.documentId.localeCompare(b.documentId));
  return [...matches, ...expansions];
}
