/**
 * Document vectors for operators (`/api/v2/admin/documents/*`): how many chunks the configured embedding model
 * covers, and a background job embedding the rest (after a change of model, or for documents filed before one
 * was configured).
 */
import type { FastifyInstance } from "fastify";
import type { DocumentStore } from "../../store/documents.js";
import type { DocumentEmbedder } from "../../documents/documentEmbedder.js";
import type { JobQueue } from "../../jobs/jobQueue.js";
import { DOCUMENT_REEMBED_JOB } from "../../documents/documentReembedJob.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";

const tags = ["documents"];

export interface AdminDocumentEmbeddingsDeps {
  documents: Pick<DocumentStore, "vectorSearch" | "embeddingCoverage">;
  /** Absent without an embedding model, or when the store cannot search vectors. */
  embedder?: DocumentEmbedder | undefined;
  jobs?: JobQueue | undefined;
}

export function adminDocumentEmbeddingsRoutes(app: FastifyInstance, deps: AdminDocumentEmbeddingsDeps): void {
  app.get(
    "/api/v2/admin/documents/embeddings",
    {
      config: { policy: "admin" },
      schema: {
        tags,
        summary: "Chunk vectors and the embedding model",
        description:
          "`{model, vectorSearch, chunks, current, otherModel, missing}`: `model` is the configured embedding target (null: none), `current` the chunks " +
          "it embedded, `otherModel` those another model embedded (never compared with its queries), `missing` those without a vector.",
      },
    },
    async () => {
      const embedder = deps.embedder;
      if (embedder === undefined) return { model: null, vectorSearch: deps.documents.vectorSearch, chunks: null, current: null, otherModel: null, missing: null };
      const coverage = await guardStore(() => deps.documents.embeddingCoverage(embedder.model));
      return { model: embedder.model, vectorSearch: true, ...coverage };
    },
  );

  app.post(
    "/api/v2/admin/documents/reembed",
    {
      config: { policy: "admin" },
      schema: {
        tags,
        summary: "Embed every chunk lacking a vector of the configured model",
        description:
          "202 `{jobId, status: \"queued\"}`: a `document.reembed` background job (see `/api/v2/admin/jobs/{jobId}`; its result is `{model, embedded}`). " +
          "400 `invalid_request` without an embedding model, or when the store cannot search vectors.",
      },
    },
    async (_request, reply) => {
      if (deps.embedder === undefined) {
        throw new GatewayError("invalid_request", "no embedding model in use: configure `embeddings: {engine, model}` (on SQLite, sqlite-vec must load)");
      }
      const jobs = deps.jobs;
      if (jobs === undefined) throw new GatewayError("invalid_request", "re-embedding needs the background job queue");
      const jobId = await guardStore(() => jobs.enqueue(DOCUMENT_REEMBED_JOB, {}));
      return reply.code(202).send({ jobId, status: "queued" });
    },
  );
}
