/**
 * Every migration, by name. Kysely applies them in name order, so names start with a zero-padded number; one set
 * serves both dialects. Bundled in code (not read from a folder) so the compiled package needs no file layout.
 */
import type { Migration } from "kysely";
import * as sessionsMessages from "./001_sessions_messages.js";
import * as experiments from "./002_experiments.js";
import * as apiKeys from "./003_api_keys.js";
import * as usageLedger from "./004_usage_ledger.js";
import * as webhooks from "./005_webhooks.js";
import * as webhookDeliveryStatus from "./006_webhook_delivery_status.js";
import * as chatJobs from "./007_chat_jobs.js";
import * as usageRollups from "./008_usage_rollups.js";
import * as documents from "./009_documents.js";
import * as messageCitations from "./011_message_citations.js";
import * as chunkEmbeddings from "./010_chunk_embeddings.js";
import * as usageLookups from "./012_usage_lookups.js";
import * as requestBodies from "./013_request_bodies.js";
import * as semanticCache from "./014_semantic_cache.js";

export const migrations: Readonly<Record<string, Migration>> = {
  "001_sessions_messages": sessionsMessages,
  "002_experiments": experiments,
  "003_api_keys": apiKeys,
  "004_usage_ledger": usageLedger,
  "005_webhooks": webhooks,
  "006_webhook_delivery_status": webhookDeliveryStatus,
  "007_chat_jobs": chatJobs,
  "008_usage_rollups": usageRollups,
  "009_documents": documents,
  "010_chunk_embeddings": chunkEmbeddings,
  "011_message_citations": messageCitations,
  "012_usage_lookups": usageLookups,
  "013_request_bodies": requestBodies,
  "014_semantic_cache": semanticCache,
};
