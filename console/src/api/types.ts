/** The shapes the console reads from the gateway's APIs (see the console contract and src/http/routes). */

export type Role = "admin" | "user";
export type AuthMode = "none" | "keys" | "jwt" | "keys+jwt";

export interface ConsoleSession {
  user: { userId: string; role: Role; kind: "key" | "jwt" | "local"; keyId?: string };
  csrfToken: string;
  expiresAt: string | null;
  authMode: AuthMode;
  features: { sessionApi?: boolean; experiments?: boolean; apiDocs?: boolean; console?: boolean };
}

export type BudgetWindow = "day" | "month" | "total";

export interface KeyView {
  id: string;
  name: string;
  userId: string;
  role: Role;
  prefix: string;
  allowedModels: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetWindow: BudgetWindow | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  accessLevel: number;
}

export interface NewKeyInput {
  name: string;
  userId?: string;
  role?: Role;
  allowedModels?: string[];
  expiresAt?: string;
  rpm?: number;
  tpm?: number;
  budgetUsd?: number;
  budgetWindow?: BudgetWindow;
  accessLevel?: number;
}

export interface KeyPatch {
  name?: string;
  rpm?: number | null;
  tpm?: number | null;
  budgetUsd?: number | null;
  budgetWindow?: BudgetWindow;
  allowedModels?: string[] | null;
  expiresAt?: string | null;
  accessLevel?: number;
}

export type UsageStatus = "complete" | "incomplete" | "failed" | "rejected";

export interface UsageRow {
  id: string;
  createdAt: string;
  requestId: string;
  traceId: string;
  keyId: string | null;
  userId: string;
  route: string | null;
  engine: string | null;
  model: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  estimated: boolean;
  latencyMs: number;
  ttftMs: number | null;
  status: UsageStatus;
  errorCode: string | null;
}

export interface UsagePage {
  data: UsageRow[];
  nextCursor: string | null;
  totals: { requests: number; inputTokens: number; outputTokens: number; costUsd: number };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface SeriesPoint {
  start: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: Percentiles | null;
  ttftMs: Percentiles | null;
}

export type Bucket = "hour" | "day";
export type GroupBy = "none" | "user" | "key" | "engine" | "model" | "route";

export interface UsageSeries {
  bucket: Bucket;
  groupBy: GroupBy;
  from: string;
  to: string;
  series: { group: string | null; points: SeriesPoint[] }[];
}

export interface Budget {
  subject: "key" | "user";
  id: string;
  userId: string;
  name?: string;
  window: BudgetWindow;
  windowStart: string;
  windowEnd: string | null;
  budgetUsd: number;
  spentUsd: number;
}

export interface BudgetList {
  alertAt: number[];
  data: Budget[];
}

export interface RequestDetail {
  request: UsageRow;
  bodies: { request: unknown; answer: string; truncated: boolean } | null;
  bodiesLogged: boolean;
}


export interface EngineState {
  name: string;
  type: string;
  models: string[];
  usable: boolean;
  reason?: string;
  /** closed | open | half-open | isolated, or a newer state this console does not know. */
  breaker: string;
  inFlight: number;
  queued: number;
  maxConcurrency: number;
  maxQueue: number;
  ewmaTtftMs: number | null;
  lastError: { code: string; message: string; at: string } | null;
}

export interface RouteView {
  name: string;
  strategy: string;
  targets: { target: string; weight: number }[];
}

export interface ReloadView {
  at: string;
  ok: boolean;
  added: string[];
  removed: string[];
  kept: string[];
  error?: string;
}

export interface EnginesView {
  engines: EngineState[];
  routes: RouteView[];
  lastReload?: ReloadView | null;
  startedAt?: string;
}

export interface Experiment {
  id: string;
  name: string;
  status: "running" | "paused" | "stopped";
  appliesTo: string;
  assignBy: "user" | "session";
  variants: { name: string; weight: number; engine?: string; model?: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface VariantResult {
  variant: string;
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: { mean: number | null; p95: number | null };
  ttftMs: { mean: number | null; p95: number | null };
  tokens: { input: number; output: number };
  feedback: { mean: number | null; count: number };
}

export interface ExperimentResults {
  experimentId: string;
  status: string;
  variants: VariantResult[];
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
  createdAt: string;
  updatedAt: string;
}

export interface IngestJob {
  id: string;
  status: "queued" | "running" | "completed" | "failed";
  documentId?: string;
  chunkCount?: number;
  error?: { code: string; message: string };
  createdAt: string;
  finishedAt?: string;
}

export interface ModelList {
  data: { id: string; owned_by: string }[];
}

export interface ChatSession {
  id: string;
  title: string | null;
  projectId: string | null;
  engine: string | null;
  model: string | null;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface Citation {
  n: number;
  documentId: string;
  title: string;
  chunkId: string;
  score: number;
  headingPath: string;
  excerpt: string;
}

export interface ToolEvent {
  id: string;
  name: string;
  arguments: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  durationMs: number;
  step: number;
}

export interface SessionMessage {
  id: string;
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  engine: string | null;
  model: string | null;
  traceId: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null } | null;
  status: string;
  citations: Citation[] | null;
  createdAt: string;
}
