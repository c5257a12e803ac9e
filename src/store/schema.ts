/**
 * The Kysely view of the database. Column names are snake_case as stored; the stores map rows to the camelCase
 * domain types they export. Timestamps are epoch milliseconds (bigint, read back as numbers on both dialects).
 */
import type { Generated, Selectable } from "kysely";
import type { MessageStatus } from "./messages.js";
import type { ExperimentStatus } from "./experiments.js";
import type { Role } from "../engines/spec.js";
import type { UsageLedgerTable } from "./usageLedgerTable.js";
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from "./webhookTables.js";
import type { ChatJobsTable } from "./chatJobsTable.js";
import type { DocumentChunksTable, DocumentReferencesTable, DocumentsTable } from "./documentTables.js";
import type { DocumentChunkEmbeddingsTable } from "./chunkEmbeddingsTable.js";
import type { UsageDailyTable, UsageRollupDaysTable } from "./usageRollupTables.js";
import type { RequestBodiesTable } from "./requestBodiesTable.js";
import type { SemanticCacheTable } from "./semanticCacheTable.js";

export interface SessionsTable {
  id: string;
  user_id: string;
  project_id: string | null;
  title: string | null;
  /** Engine preference / affinity: the engine that served the session last. */
  engine: string | null;
  model: string | null;
  message_count: Generated<number>;
  /** 0 or 1: booleans are integers so one schema fits SQLite and PostgreSQL. */
  active: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  session_id: string;
  /** 1-based position within the session; (session_id, seq) is unique. */
  seq: number;
  role: Role;
  content: Generated<string>;
  /** JSON text of ToolCall[]. */
  tool_calls: string | null;
  tool_call_id: string | null;
  engine: string | null;
  model: string | null;
  trace_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  status: MessageStatus;
  created_at: number;
  /** Time to first token and to the end of the answer, as the engine served it (assistant messages). */
  ttft_ms: number | null;
  latency_ms: number | null;
  /** The GatewayError code of an engine failure; null when the answer completed or the client went away. */
  error_code: string | null;
  /** The A/B experiment and variant that served this message, when one applied. */
  experiment_id: string | null;
  variant: string | null;
  feedback_score: number | null;
  feedback_at: number | null;
  /** JSON text of Citation[]: the retrieved sources the answer's prompt carried. */
  citations: string | null;
}

export interface ExperimentsTable {
  id: string;
  name: string;
  status: ExperimentStatus;
  applies_to: string;
  assign_by: "user" | "session";
  /** JSON text of Variant[]. */
  variants: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  user_id: string;
  role: "user" | "admin";
  /** sha256 hex of the whole key; the key itself is never stored. */
  key_hash: string;
  /** The key's first characters, for telling keys apart in a listing. */
  prefix: string;
  /** JSON text of string[]; null: every model. */
  allowed_models: string | null;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_window: "day" | "month" | "total" | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
  last_used_at: number | null;
  /** The caller's document access level; null: 0 (public documents only). */
  access_level: number | null;
}

export interface Database {
  sessions: SessionsTable;
  messages: MessagesTable;
  experiments: ExperimentsTable;
  api_keys: ApiKeysTable;
  usage_ledger: UsageLedgerTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  chat_jobs: ChatJobsTable;
  documents: DocumentsTable;
  document_chunks: DocumentChunksTable;
  document_references: DocumentReferencesTable;
  document_chunk_embeddings: DocumentChunkEmbeddingsTable;
  usage_daily: UsageDailyTable;
  usage_rollup_days: UsageRollupDaysTable;
  request_bodies: RequestBodiesTable;
  semantic_cache: SemanticCacheTable;
}

export type SessionRow = Selectable<SessionsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type ExperimentRow = Selectable<ExperimentsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
