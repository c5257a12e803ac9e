/**
 * Documents for retrieval (`/api/v2/documents`) and search over them (`/api/v2/search`). Any authenticated user
 * may file documents and search; reading is governed by project and access level (a document above the caller's
 * level is not found, never forbidden), and only a document's owner (or an admin) may replace or delete it.
 */
import type { FastifyInstance } from "fastify";
import multipart from "@fastify/multipart";
import { Type, type Static } from "@sinclair/typebox";
import type { DocumentsConfig } from "../../config/documentsSchema.js";
import type { DocumentDetail, DocumentRecord, DocumentStore } from "../../store/documents.js";
import type { RequestSignals } from "../requestSignals.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError, isAbortError } from "../../errors.js";
import { ingestDocument } from "../../documents/ingestDocument.js";
import { viewerOf } from "../../documents/viewerOf.js";
import { MAX_EXPAND_DEPTH, retrievalModes, type RetrievalMode, type SearchRequest } from "../../documents/searchDocuments.js";
import type { Retrieval, Retriever } from "../../documents/createRetriever.js";
import type { DocumentEmbedder } from "../../documents/documentEmbedder.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";
import { documentJsonBody, readDocumentBody } from "./documentBody.js";
import type { JobQueue } from "../../jobs/jobQueue.js";
import { DOCUMENT_INGEST_JOB, documentIngestStatus, type DocumentIngestData } from "../../documents/documentIngestJob.js";

const tags = ["documents"];
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const listQuery = Type.Object({ ...pageQuery.properties, projectId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const searchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 1000 }),
    projectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    topK: Type.Optional(Type.String({ pattern: "^(100|[1-9][0-9]?)$", description: "1 to 100; default retrieval.topK (5)" })),
    threshold: Type.Optional(Type.String({ pattern: "^(0(\\.[0-9]+)?|1(\\.0+)?)$", description: "0 to 1, relative to the best match; default 0" })),
    expand: Type.Optional(Type.String({ pattern: `^[0-${MAX_EXPAND_DEPTH}]$`, description: `0 to ${MAX_EXPAND_DEPTH} steps of references; default 0` })),
    mode: Type.Optional(
      Type.Unsafe<RetrievalMode>({ type: "string", enum: [...retrievalModes], description: "default hybrid with an embedding model configured, else lexical" }),
    ),
    vectorThreshold: Type.Optional(
      Type.String({ pattern: "^(0(\\.[0-9]+)?|1(\\.0+)?)$", description: "0 to 1: cosine similarity a vector match needs; default retrieval.vectorThreshold (0.7)" }),
    ),
  },
  { additionalProperties: false },
);
const writeQuery = Type.Object(
  { async: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")], { description: "true: queue the indexing and answer 202 at once" })) },
  { additionalProperties: false },
);
const jobParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
// Multipart bodies are read in the handler (file and fields); only JSON has a schema to validate against.
const writeBody = { content: { "application/json": { schema: documentJsonBody } } };

export interface DocumentRoutesDeps {
  documents: DocumentStore;
  retriever: Retriever;
  config: DocumentsConfig;
  signals: RequestSignals;
  /** Seconds each search took, for the retrieval histogram. */
  onSearch?(seconds: number, outcome: "ok" | "error"): void;
  /** The background job queue, for `?async=true` (document.ingest jobs, defined by main.ts). */
  jobs?: JobQueue | undefined;
  /** Embeds chunks at ingestion, when an embedding model is configured. */
  embedder?: DocumentEmbedder | undefined;
  /** Search defaults (`retrieval` in the config). */
  retrieval?: { topK: number } | undefined;
}

export async function documentRoutes(app: FastifyInstance, deps: DocumentRoutesDeps): Promise<void> {
  // Within this plugin only, so no other route accepts multipart bodies.
  await app.register(multipart, { limits: { fileSize: deps.config.maxBytes, files: 1 } });
  // A JSON body escapes its content (a little); the content's own size is checked against maxBytes exactly.
  const bodyLimit = deps.config.maxBytes * 2 + 64 * 1024;

  app.post(
    "/api/v2/documents",
    {
      config: { policy: "user" },
      bodyLimit,
      schema: {
        tags,
        summary: "File a document",
        description:
          "JSON, or multipart/form-data with a `file` (markdown, HTML or text) and the metadata as fields. Answers 201 with the id and chunk count; " +
          "with `?async=true`, 202 `{jobId, status: \"queued\"}` at once, the indexing runs as a background job (poll `GET /api/v2/documents/jobs/{jobId}`).",
        querystring: writeQuery,
        body: writeBody,
      },
    },
    async (request, reply) => {
      const input = await readDocumentBody(request, deps.config.maxBytes);
      if ((request.query as Static<typeof writeQuery>).async === "true") {
        if (deps.jobs === undefined) throw new GatewayError("invalid_request", "asynchronous ingestion needs the background job queue", { param: "async" });
        const bytes = Buffer.byteLength(input.content);
        if (bytes > deps.config.maxBytes) {
          throw new GatewayError("payload_too_large", `the document is ${bytes} bytes; at most ${deps.config.maxBytes} are accepted (documents.maxBytes)`, { param: "content" });
        }
        const data: DocumentIngestData = { writer: viewerOf(request.principal), input };
        const jobId = await deps.jobs.enqueue(DOCUMENT_INGEST_JOB, data);
        return reply.code(202).send({ jobId, status: "queued" });
      }
      const signal = deps.signals.signalFor(request.raw, reply.raw);
      const { document, chunkCount } = await guardWork(() => ingestDocument(deps, viewerOf(request.principal), input, { signal }));
      return reply.code(201).send({ ...recordView(document), chunkCount });
    },
  );

  app.put(
    "/api/v2/documents/:id",
    {
      config: { policy: "user" },
      bodyLimit,
      schema: { tags, summary: "Replace a document", description: "Content, metadata and references; re-indexed in one transaction.", params: idParams, body: writeBody },
    },
    async (request, reply) => {
      const { id } = request.params as Static<typeof idParams>;
      const input = await readDocumentBody(request, deps.config.maxBytes);
      const signal = deps.signals.signalFor(request.raw, reply.raw);
      const { document, chunkCount } = await guardWork(() => ingestDocument(deps, viewerOf(request.principal), input, { signal, replaceId: id }));
      return { ...recordView(document), chunkCount };
    },
  );

  app.get(
    "/api/v2/documents/jobs/:jobId",
    {
      config: { policy: "user" },
      schema: {
        tags,
        summary: "An asynchronous ingestion's status",
        description:
          "`{id, status: queued|running|completed|failed, documentId?, chunkCount?, error? {code, message}, createdAt, finishedAt?}`. Only its " +
          "writer sees it; anyone else gets 404. Without Redis, jobs are kept in the process (lost with it).",
        params: jobParams,
      },
    },
    async (request) => {
      const { jobId } = request.params as Static<typeof jobParams>;
      const record = deps.jobs === undefined ? undefined : await guardStore(() => (deps.jobs as JobQueue).get(jobId));
      const status = documentIngestStatus(record, request.principal.userId);
      if (status === undefined) throw new GatewayError("not_found", `ingestion job ${jobId} not found`);
      return status;
    },
  );

  app.get(
    "/api/v2/documents/:id",
    { config: { policy: "user" }, schema: { tags, summary: "Read a document", description: "With the documents it references and those citing it.", params: idParams } },
    async (request) => {
      const { id } = request.params as Static<typeof idParams>;
      const document = await guardStore(() => deps.documents.get(id, viewerOf(request.principal)));
      if (document === undefined) throw new GatewayError("not_found", `document ${id} not found`);
      return detailView(document);
    },
  );

  app.delete(
    "/api/v2/documents/:id",
    { config: { policy: "user" }, schema: { tags, summary: "Delete a document", description: "Answers 204; its chunks, index entries and references go with it.", params: idParams } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof idParams>;
      if (!(await guardStore(() => deps.documents.remove(id, viewerOf(request.principal))))) throw new GatewayError("not_found", `document ${id} not found`);
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v2/documents",
    { config: { policy: "user" }, schema: { tags, summary: "List a project's documents", description: "Newest first, those the caller may read.", querystring: listQuery } },
    async (request) => {
      const query = request.query as Static<typeof listQuery>;
      const page = await guardStore(() => deps.documents.list(viewerOf(request.principal), query.projectId, parsePageQuery(query)));
      return { data: page.items.map(recordView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/api/v2/search",
    {
      config: { policy: "user" },
      schema: {
        tags,
        summary: "Search documents",
        description:
          "Top-k chunks the caller may read — full text (BM25), vector (cosine similarity) or both fused by reciprocal rank (`mode`) — scored 0..1 " +
          "relative to the best, with `lexicalScore` and `vectorScore`; `expand` adds referenced and citing documents. `{data, mode, vectorSkipped?}`: " +
          "`mode` is what ran (lexical when the query could not be embedded, `vectorSkipped` then says why).",
        querystring: searchQuery,
      },
    },
    async (request, reply) => {
      const query = request.query as Static<typeof searchQuery>;
      const signal = deps.signals.signalFor(request.raw, reply.raw);
      const started = performance.now();
      try {
        const viewer = viewerOf(request.principal);
        const search: SearchRequest = {
          q: query.q,
          projectId: query.projectId,
          type: query.type,
          topK: query.topK === undefined ? (deps.retrieval?.topK ?? 5) : Number(query.topK),
          threshold: query.threshold === undefined ? 0 : Number(query.threshold),
          expand: query.expand === undefined ? 0 : Number(query.expand),
          mode: query.mode,
          vectorThreshold: query.vectorThreshold === undefined ? undefined : Number(query.vectorThreshold),
        };
        const retriever = deps.retriever;
        const retrieval: Retrieval = await guardWork(async () =>
          retriever.retrieve
            ? retriever.retrieve(viewer, search, signal)
            : { results: await retriever.search(viewer, search, signal), mode: search.mode ?? "lexical" },
        );
        deps.onSearch?.((performance.now() - started) / 1000, "ok");
        return { data: retrieval.results, mode: retrieval.mode, ...(retrieval.vectorSkipped ? { vectorSkipped: retrieval.vectorSkipped } : {}) };
      } catch (error) {
        deps.onSearch?.((performance.now() - started) / 1000, "error");
        throw error;
      }
    },
  );
}

/** As guardStore, but a client that went away stays an abort (the error edge logs it, sends nothing), not a store failure. */
async function guardWork<T>(work: () => Promise<T>): Promise<T> {
  let aborted: unknown;
  try {
    return await guardStore(async () => {
      try {
        return await work();
      } catch (error) {
        if (isAbortError(error)) aborted = error;
        throw error;
      }
    });
  } catch (error) {
    throw aborted ?? error;
  }
}

function recordView(document: DocumentRecord) {
  return {
    id: document.id,
    ownerId: document.ownerId,
    projectId: document.projectId,
    type: document.type,
    title: document.title,
    excerpt: document.excerpt,
    accessLevel: document.accessLevel,
    contentHash: document.contentHash,
    createdAt: new Date(document.createdAt).toISOString(),
    updatedAt: new Date(document.updatedAt).toISOString(),
  };
}

function detailView(document: DocumentDetail) {
  return { ...recordView(document), content: document.content, chunkCount: document.chunkCount, references: document.references, citedBy: document.citedBy };
}
