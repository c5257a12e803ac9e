/**
 * Retrieval for a session turn (`rag`): the chunks the caller may read that best match its message, within the
 * turn's project, numbered as the prompt will number them. A store that fails is the client's clear error before
 * anything of the turn is written or streamed.
 */
import type { Retriever } from "../documents/createRetriever.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import type { Viewer } from "../store/documents.js";
import type { Citation } from "../store/messages.js";

export interface RagOptions {
  topK: number;
  threshold: number;
  expand: number;
}

export type RagRequest = boolean | Partial<RagOptions>;

export interface RetrievedSource {
  citation: Citation;
  /** What goes into the prompt: the chunk, or a linked document's excerpt. */
  text: string;
}

export const RAG_DEFAULTS: Readonly<RagOptions> = { topK: 5, threshold: 0, expand: 0 };
/** Characters of a source's text kept in its citation, for showing beside the answer. */
const EXCERPT_CHARS = 240;

/** The retrieval a request asked for; undefined when it asked for none. */
export function ragOptions(rag: RagRequest | undefined): RagOptions | undefined {
  if (rag === undefined || rag === false) return undefined;
  return rag === true ? { ...RAG_DEFAULTS } : { ...RAG_DEFAULTS, ...definedOnly(rag) };
}

export async function retrieveSources(
  retriever: Retriever,
  viewer: Viewer,
  query: { message: string; projectId: string },
  options: RagOptions,
  signal: AbortSignal,
): Promise<RetrievedSource[]> {
  let results;
  try {
    results = await retriever.search(viewer, { q: query.message, projectId: query.projectId, ...options }, signal);
  } catch (error) {
    if (isAbortError(error) || isGatewayError(error)) throw error;
    throw new GatewayError("store_unavailable", "retrieving documents failed: the document store is unavailable; try again shortly", {
      cause: error,
      retryAfterSeconds: 2,
    });
  }
  return results.map((result, index) => ({
    text: result.text,
    citation: {
      n: index + 1,
      documentId: result.documentId,
      title: result.title,
      chunkId: result.chunkId,
      score: result.score,
      headingPath: result.headingPath,
      excerpt: excerptOf(result.text),
    },
  }));
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length <= EXCERPT_CHARS ? flat : `${chars.slice(0, EXCERPT_CHARS).join("")}…`;
}

function definedOnly(options: Partial<RagOptions>): Partial<RagOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
