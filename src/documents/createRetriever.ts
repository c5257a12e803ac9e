/**
 * The one way the gateway retrieves: the search route, chat retrieval (RAG) and the `search_documents` tool all go
 * through a Retriever, so they rank, filter and expand alike.
 *
 * Modes (SearchRequest.mode; default hybrid with an embedding model, lexical without):
 * - lexical: full-text top-k; score = relevance / best relevance (searchDocuments.ts).
 * - vector: the query embedded once, the top-k chunks of the same model with cosine similarity at or above
 *   `vectorThreshold`; score = similarity / best similarity, `vectorScore` = the similarity itself.
 * - hybrid: full-text and vector rankings, each `candidates` deep, fused by reciprocal rank (k = `rrfK`);
 *   score = fused score / best fused score, with `lexicalScore` and `vectorScore` of the chunk where each found it.
 * In every mode the best match scores 1, `threshold` drops matches below it, and expansion follows the matches.
 *
 * When the query cannot be embedded (engine down, timed out, unusable answer), hybrid degrades to full text and
 * says so (`vectorSkipped`); vector mode fails with the engine's error, since it has nothing else to return.
 */
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { RetrievalConfig } from "../config/retrievalSchema.js";
import { GatewayError, isAbortError, type ErrorCode } from "../errors.js";
import type { DocumentStore, Viewer } from "../store/documents.js";
import type { LexicalHit } from "../store/lexicalIndex.js";
import type { VectorHit } from "../store/vectorIndex.js";
import type { DocumentEmbedder } from "./documentEmbedder.js";
import { expandMatches } from "./expandMatches.js";
import { fuseRankings } from "./fuseRankings.js";
import { searchTerms } from "./searchTerms.js";
import { roundScore } from "./roundScore.js";
import {
  filterOf,
  matchOf,
  relativeToBest,
  searchDocuments,
  type RetrievalMode,
  type SearchRequest,
  type SearchResult,
} from "./searchDocuments.js";

export interface Retrieval {
  results: SearchResult[];
  /** The mode that ran: lexical when hybrid fell back to full text. */
  mode: RetrievalMode;
  /** Why the vector half of a hybrid search was skipped (the embedding engine's error). */
  vectorSkipped?: { code: ErrorCode; message: string } | undefined;
}

export interface Retriever {
  search(viewer: Viewer, request: SearchRequest, signal?: AbortSignal): Promise<SearchResult[]>;
  /** As search, with the mode that ran and whether vector search was skipped. */
  retrieve?(viewer: Viewer, request: SearchRequest, signal?: AbortSignal): Promise<Retrieval>;
}

export type RetrievalOutcome = "ok" | "degraded" | "error";

export interface RetrieverDeps {
  documents: Pick<DocumentStore, "searchChunks" | "linked"> & Partial<Pick<DocumentStore, "searchVectors">>;
  /** Enables vector and hybrid modes (the store must have searchVectors). */
  embedder?: DocumentEmbedder | undefined;
  config?: Partial<RetrievalConfig> | undefined;
  /** Each retrieval's duration, by the mode asked for (or the default) and how it ended. */
  onRetrieval?: ((mode: RetrievalMode, outcome: RetrievalOutcome, seconds: number) => void) | undefined;
  /** Warns when vector search was skipped; debug lines time the query embedding. */
  logger?: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void } | undefined;
  /** A `retrieve` span around each retrieval, parent of the query's embedding call. */
  tracer?: Tracer | undefined;
}

const DEFAULTS = { vectorThreshold: 0.7, rrfK: 60, candidates: 50 };

export function createRetriever(deps: RetrieverDeps): Retriever {
  const settings = { ...DEFAULTS, ...deps.config };
  const embedder = deps.embedder;
  const searchVectors = deps.documents.searchVectors;
  const vectors = embedder !== undefined && searchVectors !== undefined ? { embedder, searchVectors } : undefined;

  const modeOf = (request: SearchRequest): RetrievalMode => request.mode ?? (vectors ? "hybrid" : "lexical");

  const run = async (viewer: Viewer, request: SearchRequest, mode: RetrievalMode, signal: AbortSignal | undefined): Promise<Retrieval> => {
    if (mode === "lexical") return { results: await searchDocuments(deps.documents, viewer, request, signal), mode };
    if (vectors === undefined) {
      throw new GatewayError("invalid_request", `mode=${mode} needs an embedding model: configure \`embeddings: {engine, model}\`, or use mode=lexical`, {
        param: "mode",
      });
    }
    signal?.throwIfAborted();
    const filter = filterOf(viewer, request);
    const depth = mode === "vector" ? request.topK : Math.max(request.topK, settings.candidates);
    let queryVector: Float32Array;
    try {
      const started = performance.now();
      const [embedded] = await vectors.embedder.embed([request.q], signal ?? new AbortController().signal);
      if (embedded === undefined) throw new GatewayError("upstream_error", "the embedding model returned no vector for the query");
      queryVector = embedded;
      deps.logger?.debug({ model: vectors.embedder.model, ms: Math.round(performance.now() - started) }, "retrieval: query embedded");
    } catch (error) {
      if (mode === "vector" || isAbortError(error) || signal?.aborted) throw error;
      const skipped = error instanceof GatewayError ? { code: error.code, message: error.message } : { code: "upstream_error" as const, message: String(error) };
      deps.logger?.warn({ err: error, model: vectors.embedder.model }, "retrieval: the query could not be embedded; searching full text only");
      return { results: await searchDocuments(deps.documents, viewer, request, signal), mode: "lexical", vectorSkipped: skipped };
    }
    const vectorQuery = { model: vectors.embedder.model, vector: queryVector, minSimilarity: request.vectorThreshold ?? settings.vectorThreshold };
    const [lexicalHits, vectorHits] = await Promise.all([
      mode === "hybrid" ? deps.documents.searchChunks(searchTerms(request.q), filter, depth) : Promise.resolve([]),
      vectors.searchVectors(vectorQuery, filter, depth),
    ]);
    const ranked = mode === "vector" ? vectorMatches(vectorHits) : fusedMatches(lexicalHits, vectorHits, settings.rrfK);
    const matches = ranked.filter((match) => match.score >= request.threshold).slice(0, request.topK);
    return { results: await expandMatches(deps.documents, viewer, request, matches, signal), mode };
  };

  const retrieve = async (viewer: Viewer, request: SearchRequest, signal?: AbortSignal): Promise<Retrieval> => {
    const mode = modeOf(request);
    const started = performance.now();
    const observe = async (): Promise<Retrieval> => {
      try {
        const retrieval = await run(viewer, request, mode, signal);
        deps.onRetrieval?.(mode, retrieval.vectorSkipped ? "degraded" : "ok", (performance.now() - started) / 1000);
        return retrieval;
      } catch (error) {
        deps.onRetrieval?.(mode, "error", (performance.now() - started) / 1000);
        throw error;
      }
    };
    if (deps.tracer === undefined) return observe();
    return deps.tracer.startActiveSpan("retrieve", { attributes: { "switchyard.retrieval.mode": mode, "switchyard.retrieval.top_k": request.topK } }, async (span) => {
      try {
        const retrieval = await observe();
        span.setAttributes({
          "switchyard.retrieval.mode_used": retrieval.mode,
          "switchyard.retrieval.results": retrieval.results.length,
          ...(retrieval.vectorSkipped ? { "switchyard.retrieval.vector_skipped": retrieval.vectorSkipped.code } : {}),
        });
        return retrieval;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  };

  return {
    retrieve,
    search: async (viewer, request, signal) => (await retrieve(viewer, request, signal)).results,
  };
}

function vectorMatches(hits: readonly VectorHit[]): SearchResult[] {
  const best = hits[0]?.similarity ?? 0;
  return hits.map((hit) => ({
    ...matchOf(hit),
    // Below zero (only with a negative vectorThreshold) counts as nothing in common, not as a negative score.
    score: best > 0 ? roundScore(Math.max(0, hit.similarity) / best) : 0,
    lexicalScore: null,
    vectorScore: roundScore(hit.similarity),
  }));
}

function fusedMatches(lexicalHits: readonly LexicalHit[], vectorHits: readonly VectorHit[], rrfK: number): SearchResult[] {
  const lexical = new Map(relativeToBest(lexicalHits.map((hit) => ({ ...hit, lexical: hit.raw }))).map((match) => [match.chunkId, match]));
  const vector = new Map(vectorHits.map((hit) => [hit.chunkId, hit]));
  const fused = fuseRankings([lexicalHits.map((hit) => hit.chunkId), vectorHits.map((hit) => hit.chunkId)], rrfK);
  const best = fused[0]?.fused ?? 0;
  return fused.flatMap(({ id, fused: value }) => {
    const fromLexical = lexical.get(id);
    const fromVector = vector.get(id);
    const hit = fromLexical ?? (fromVector ? matchOf(fromVector) : undefined);
    if (hit === undefined) return [];
    return [
      {
        ...hit,
        score: roundScore(value / best),
        lexicalScore: fromLexical?.lexicalScore ?? null,
        vectorScore: fromVector ? roundScore(fromVector.similarity) : null,
      },
    ];
  });
}
