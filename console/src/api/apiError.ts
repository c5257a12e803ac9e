/**
 * A failed API call as the user should see it: the gateway's stable `code` and its `message` (both API families put
 * them under `error`), with the HTTP status and trace id for a bug report.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly traceId: string | undefined;
  readonly param: string | undefined;

  constructor(status: number, code: string, message: string, traceId?: string, param?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.traceId = traceId;
    this.param = param;
  }
}

/** Reads an error response; a body that is not the gateway's envelope (a proxy's page) still gives a usable error. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const traceHeader = response.headers.get("x-trace-id") ?? undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (error === undefined) return new ApiError(response.status, `http_${response.status}`, `The gateway answered ${response.status} ${response.statusText}`.trim(), traceHeader);
  // /v1 errors carry OpenAI's `type` and sometimes a null `code`.
  const code = text(error.code) ?? text(error.type) ?? `http_${response.status}`;
  const message = text(error.message) ?? `The gateway answered ${response.status}`;
  return new ApiError(response.status, code, message, text(error.traceId) ?? traceHeader, text(error.param));
}

/** What to show for any failure: an API error's message and code, else the thrown thing's message. */
export function describeError(error: unknown): { message: string; code?: string } {
  if (error instanceof ApiError) return { message: error.message, code: error.code };
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
