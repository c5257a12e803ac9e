/** The response shapes tests read, typed loosely enough to assert on. */
export interface ErrorBody {
  error: { code: string; message: string; traceId: string; param?: string | null; type?: string };
}

export interface SessionView {
  id: string;
  title: string | null;
  projectId: string | null;
  engine: string | null;
  model: string | null;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface MessageView {
  id: string;
  seq: number;
  role: string;
  content: string;
  status: "complete" | "incomplete";
  traceId: string | null;
  engine: string | null;
  model: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null } | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ReadyBody {
  status: string;
  reasons: string[];
  checks: { store: { ok: boolean }; engines: Record<string, { usable: boolean; reason?: string; inFlight: number; queued: number }> };
}

export async function jsonOf<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}
