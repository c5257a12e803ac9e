/**
 * Documents for retrieval: the text and metadata, its chunks with their full-text entries, and the references
 * between documents. Writing a document (create or replace) is one transaction: chunks, index entries and edges
 * change together or not at all. Reading is governed by the viewer: a document above the viewer's access level
 * does not exist for it (not found, never forbidden), and references only ever point at documents the writer
 * could see.
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { GatewayError } from "../errors.js";
import type { Database } from "./schema.js";
import type { DocumentRow } from "./documentTables.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { systemClock, type Clock } from "./clock.js";
import { indexChunks, lexicalSearch, unindexChunks, type Dialect, type LexicalFilter, type LexicalHit } from "./lexicalIndex.js";
import { expandReferences, type LinkedDocument } from "./documentGraph.js";
import type { ChunkVector, VectorHit, VectorIndex, VectorQuery } from "./vectorIndex.js";
import { chunkEmbeddingStore } from "./chunkEmbeddingStore.js";

/** Who is reading or writing: its user id, and the highest access level it may read (undefined: all, admins). */
export interface Viewer {
  userId: string;
  maxAccessLevel: number | undefined;
  admin: boolean;
}

export interface DocumentRecord {
  id: string;
  ownerId: string;
  projectId: string;
  type: string;
  title: string;
  excerpt: string;
  accessLevel: number;
  contentHash: string;
  createdAt: number;
  updatedAt: number;
}

export interface DocumentLink {
  id: string;
  projectId: string;
  type: string;
  title: string;
  excerpt: string;
}

export interface DocumentDetail extends DocumentRecord {
  content: string;
  chunkCount: number;
  /** Documents this one references, and documents that cite it, as far as the viewer may see them. */
  references: DocumentLink[];
  citedBy: DocumentLink[];
}

export interface NewChunk {
  text: string;
  tokenCount: number;
  /** Headings above the chunk, joined with " > ". */
  headingPath: string;
}

export interface DocumentContent {
  projectId: string;
  type: string;
  title: string;
  content: string;
  excerpt: string;
  accessLevel: number;
  contentHash: string;
  chunks: readonly NewChunk[];
  /** Ids of the documents this one references; each must exist and be visible to the writer. */
  references: readonly string[];
  /** One unit vector per chunk, in chunk order, written with the chunks; absent: the document is lexical only. */
  embeddings?: ChunkEmbeddings | undefined;
}

export interface ChunkEmbeddings {
  /** The embedding target that made them. */
  model: string;
  vectors: readonly Float32Array[];
}

/** A chunk whose vector is missing or was made by another model, with what its embedding is computed from. */
export interface ChunkToEmbed {
  chunkId: number;
  title: string;
  headingPath: string;
  text: string;
}

export interface EmbeddingCoverage {
  chunks: number;
  /** Embedded by the model asked about. */
  current: number;
  /** Embedded by another model: not compared with the current model's queries until embedded again. */
  otherModel: number;
  /** Not embedded at all (filed without an embedding model, or before one was configured). */
  missing: number;
}

export interface DocumentPage {
  items: DocumentRecord[];
  nextCursor: string | null;
}

export interface DocumentStore {
  create(content: DocumentContent, writer: Viewer, id?: string): Promise<DocumentRecord>;
  /**
   * Replaces content, metadata and references and re-indexes, atomically. Undefined when the document does not
   * exist for the writer or belongs to someone else (admins may replace any).
   */
  replace(id: string, content: DocumentContent, writer: Viewer): Promise<DocumentRecord | undefined>;
  get(id: string, viewer: Viewer): Promise<DocumentDetail | undefined>;
  /** Deletes the document, its chunks, index entries and edges both ways; false as for replace. */
  remove(id: string, writer: Viewer): Promise<boolean>;
  /** The project's documents the viewer may see, newest first; keyset pagination with an opaque cursor. */
  list(viewer: Viewer, projectId: string, page: { limit: number; cursor?: string | undefined }): Promise<DocumentPage>;
  /** Best chunks for the terms among the documents that pass the filter, best first. */
  searchChunks(terms: readonly string[], filter: LexicalFilter, limit: number): Promise<LexicalHit[]>;
  /** Documents reachable from the roots by references (either way) up to depth, within the filter. */
  linked(rootIds: readonly string[], depth: number, filter: Pick<LexicalFilter, "projectId" | "maxAccessLevel">): Promise<LinkedDocument[]>;
  /** Whether chunk vectors can be searched here (false: SQLite without its vector extension). */
  readonly vectorSearch: boolean;
  /** Nearest visible chunks embedded by the query's model, best first; rejects when vectorSearch is false. */
  searchVectors(query: VectorQuery, filter: LexicalFilter, limit: number): Promise<VectorHit[]>;
  /** How many chunks the model embedded, how many another model did, and how many have no vector. */
  embeddingCoverage(model: string): Promise<EmbeddingCoverage>;
  /** Chunks after `afterChunkId` (in id order) without a vector of the model, for embedding them again. */
  chunksToEmbed(model: string, afterChunkId: number, limit: number): Promise<ChunkToEmbed[]>;
  /** Writes vectors of the model for chunks that still exist (others were replaced meanwhile); how many were written. */
  writeEmbeddings(model: string, vectors: readonly ChunkVector[]): Promise<number>;
}

const CURSOR_KIND = "document";
type DocumentKey = readonly [createdAt: number, id: string];
const isDocumentKey = (parts: readonly unknown[]): parts is DocumentKey =>
  parts.length === 2 && Number.isSafeInteger(parts[0]) && typeof parts[1] === "string";

// Rows per insert: well under either dialect's bound-parameter limit.
const CHUNK_BATCH = 500;

export interface DocumentStoreOptions {
  now?: Clock | undefined;
  /** Where chunk vectors live; without one, documents are lexical only and vector search is unavailable. */
  vectors?: VectorIndex | undefined;
}

export function createDocumentStore(db: Kysely<Database>, dialect: Dialect, options: DocumentStoreOptions = {}): DocumentStore {
  const now = options.now ?? systemClock;
  const vectors = options.vectors;

  const writeContent = async (trx: Transaction<Database>, id: string, content: DocumentContent, writer: Viewer) => {
    await checkReferences(trx, id, content.references, writer);
    for (let start = 0; start < content.chunks.length; start += CHUNK_BATCH) {
      const batch = content.chunks.slice(start, start + CHUNK_BATCH);
      await trx
        .insertInto("document_chunks")
        .values(batch.map((chunk, i) => ({ document_id: id, ordinal: start + i, text: chunk.text, token_count: chunk.tokenCount, heading_path: chunk.headingPath })))
        .execute();
    }
    await indexChunks(trx, dialect, id, content.title);
    if (content.embeddings !== undefined) await writeVectors(trx, id, content.chunks.length, content.embeddings);
    if (content.references.length > 0) {
      await trx
        .insertInto("document_references")
        .values([...new Set(content.references)].map((to) => ({ from_id: id, to_id: to })))
        .execute();
    }
  };

  const writeVectors = async (trx: Transaction<Database>, id: string, chunkCount: number, embeddings: ChunkEmbeddings) => {
    if (vectors === undefined) throw new Error("this store keeps no chunk vectors");
    if (embeddings.vectors.length !== chunkCount) throw new Error(`${embeddings.vectors.length} vectors for ${chunkCount} chunks`);
    const chunks = await trx.selectFrom("document_chunks").select("id").where("document_id", "=", id).orderBy("ordinal").execute();
    await vectors.write(
      trx,
      embeddings.model,
      chunks.map((chunk, i) => ({ chunkId: Number(chunk.id), vector: embeddings.vectors[i] ?? new Float32Array() })),
    );
  };

  const clearContent = async (trx: Transaction<Database>, id: string) => {
    await unindexChunks(trx, dialect, id);
    await trx.deleteFrom("document_chunks").where("document_id", "=", id).execute();
    await trx.deleteFrom("document_references").where("from_id", "=", id).execute();
  };

  const findWritable = async (trx: Transaction<Database>, id: string, writer: Viewer) => {
    let query = trx.selectFrom("documents").selectAll().where("id", "=", id);
    if (!writer.admin) query = query.where("owner_id", "=", writer.userId);
    if (writer.maxAccessLevel !== undefined) query = query.where("access_level", "<=", writer.maxAccessLevel);
    return query.executeTakeFirst();
  };

  return {
    async create(content, writer, id = randomUUID()) {
      checkLevel(content.accessLevel, writer);
      const at = now();
      const row: DocumentRow = {
        id,
        owner_id: writer.userId,
        project_id: content.projectId,
        type: content.type,
        title: content.title,
        content: content.content,
        excerpt: content.excerpt,
        access_level: content.accessLevel,
        content_hash: content.contentHash,
        created_at: at,
        updated_at: at,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto("documents").values(row).execute();
        await writeContent(trx, id, content, writer);
      });
      return toRecord(row);
    },

    async replace(id, content, writer) {
      checkLevel(content.accessLevel, writer);
      return db.transaction().execute(async (trx) => {
        const existing = await findWritable(trx, id, writer);
        if (existing === undefined) return undefined;
        const row: DocumentRow = {
          ...existing,
          project_id: content.projectId,
          type: content.type,
          title: content.title,
          content: content.content,
          excerpt: content.excerpt,
          access_level: content.accessLevel,
          content_hash: content.contentHash,
          updated_at: Math.max(now(), existing.updated_at),
        };
        await clearContent(trx, id);
        await trx
          .updateTable("documents")
          .set({
            project_id: row.project_id,
            type: row.type,
            title: row.title,
            content: row.content,
            excerpt: row.excerpt,
            access_level: row.access_level,
            content_hash: row.content_hash,
            updated_at: row.updated_at,
          })
          .where("id", "=", id)
          .execute();
        await writeContent(trx, id, content, writer);
        return toRecord(row);
      });
    },

    async get(id, viewer) {
      let query = db.selectFrom("documents").selectAll().where("id", "=", id);
      if (viewer.maxAccessLevel !== undefined) query = query.where("access_level", "<=", viewer.maxAccessLevel);
      const row = await query.executeTakeFirst();
      if (row === undefined) return undefined;
      const link = (side: "from_id" | "to_id", other: "from_id" | "to_id") => {
        let q = db
          .selectFrom("document_references as r")
          .innerJoin("documents as d", "d.id", `r.${other}`)
          .select(["d.id", "d.project_id", "d.type", "d.title", "d.excerpt"])
          .where(`r.${side}`, "=", id);
        if (viewer.maxAccessLevel !== undefined) q = q.where("d.access_level", "<=", viewer.maxAccessLevel);
        return q.orderBy("d.id").execute();
      };
      const [references, citedBy, count] = await Promise.all([
        link("from_id", "to_id"),
        link("to_id", "from_id"),
        db.selectFrom("document_chunks").select((eb) => eb.fn.countAll<number>().as("n")).where("document_id", "=", id).executeTakeFirstOrThrow(),
      ]);
      const toLink = (r: { id: string; project_id: string; type: string; title: string; excerpt: string }): DocumentLink => ({
        id: r.id,
        projectId: r.project_id,
        type: r.type,
        title: r.title,
        excerpt: r.excerpt,
      });
      return { ...toRecord(row), content: row.content, chunkCount: Number(count.n), references: references.map(toLink), citedBy: citedBy.map(toLink) };
    },

    async remove(id, writer) {
      return db.transaction().execute(async (trx) => {
        if ((await findWritable(trx, id, writer)) === undefined) return false;
        await clearContent(trx, id);
        // Edges from other documents to this one: their citers no longer reference anything here.
        await trx.deleteFrom("document_references").where("to_id", "=", id).execute();
        await trx.deleteFrom("documents").where("id", "=", id).execute();
        return true;
      });
    },

    async list(viewer, projectId, page) {
      assertLimit(page.limit, 1);
      const after = page.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, page.cursor, isDocumentKey);
      let query = db.selectFrom("documents").selectAll().where("project_id", "=", projectId);
      if (viewer.maxAccessLevel !== undefined) query = query.where("access_level", "<=", viewer.maxAccessLevel);
      if (after !== undefined) {
        const [createdAt, id] = after;
        query = query.where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", ">", id)])]));
      }
      // Order matches the index (project_id, created_at desc, id); id breaks ties so no row is skipped or repeated.
      const rows = await query.orderBy("created_at", "desc").orderBy("id", "asc").limit(page.limit + 1).execute();
      return pageOf(rows, page.limit, toRecord, CURSOR_KIND, (doc) => [doc.createdAt, doc.id]);
    },

    searchChunks(terms, filter, limit) {
      return lexicalSearch(db, dialect, terms, filter, limit);
    },

    linked(rootIds, depth, filter) {
      return expandReferences(db, rootIds, depth, filter);
    },

    ...chunkEmbeddingStore(db, vectors),
  };
}

/** A writer cannot file a document it could not read itself. */
function checkLevel(level: number, writer: Viewer): void {
  if (!Number.isSafeInteger(level) || level < 0) {
    throw new GatewayError("invalid_request", "accessLevel must be a non-negative integer", { param: "accessLevel" });
  }
  if (writer.maxAccessLevel !== undefined && level > writer.maxAccessLevel) {
    throw new GatewayError("invalid_request", `accessLevel ${level} is above your own access level (${writer.maxAccessLevel})`, { param: "accessLevel" });
  }
}

async function checkReferences(trx: Transaction<Database>, id: string, references: readonly string[], writer: Viewer): Promise<void> {
  const wanted = [...new Set(references)];
  if (wanted.length === 0) return;
  if (wanted.includes(id)) throw new GatewayError("invalid_request", "a document cannot reference itself", { param: "references" });
  let query = trx.selectFrom("documents").select("id").where("id", "in", wanted);
  if (writer.maxAccessLevel !== undefined) query = query.where("access_level", "<=", writer.maxAccessLevel);
  const found = new Set((await query.execute()).map((row) => row.id));
  const missing = wanted.filter((ref) => !found.has(ref));
  // Unknown and invisible look the same, so a reference cannot probe for documents above the writer's level.
  if (missing.length > 0) {
    throw new GatewayError("invalid_request", `unknown referenced document${missing.length > 1 ? "s" : ""}: ${missing.slice(0, 5).join(", ")}`, {
      param: "references",
    });
  }
}

function toRecord(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    projectId: row.project_id,
    type: row.type,
    title: row.title,
    excerpt: row.excerpt,
    accessLevel: row.access_level,
    contentHash: row.content_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
