/** Documents, their chunks and the references between them (migration 009). */
import type { Generated, Selectable } from "kysely";

export interface DocumentsTable {
  id: string;
  owner_id: string;
  project_id: string;
  type: string;
  title: string;
  content: string;
  excerpt: string;
  /** 0 is public; higher is more restricted. */
  access_level: number;
  /** sha256 hex of the content. */
  content_hash: string;
  created_at: number;
  updated_at: number;
}

export interface DocumentChunksTable {
  /** Integer so SQLite's full-text rows can share it as their rowid. */
  id: Generated<number>;
  document_id: string;
  /** 0-based position within the document. */
  ordinal: number;
  text: string;
  token_count: number;
  /** Headings above the chunk, outermost first, joined with " > ". */
  heading_path: string;
}

export interface DocumentReferencesTable {
  /** The citing document. */
  from_id: string;
  /** The document it references. */
  to_id: string;
}

export type DocumentRow = Selectable<DocumentsTable>;
