/**
 * Maps whatever a route threw to a GatewayError, once, at the edge: Fastify's own client errors keep their 4xx
 * meaning; anything unexpected becomes internal_error without its message (it may hold a secret or a stack).
 */
import { GatewayError, isGatewayError } from "../errors.js";

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: Array<{ instancePath?: string; params?: Record<string, unknown>; message?: string }>;
  validationContext?: string;
}

export function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const candidate = error as FastifyLikeError;
  if (candidate?.validation) {
    const issue = candidate.validation[0];
    const missing = issue?.params?.missingProperty;
    const path = [issue?.instancePath?.replace(/^\//, "").replaceAll("/", "."), typeof missing === "string" ? missing : ""]
      .filter(Boolean)
      .join(".");
    const where = candidate.validationContext === "querystring" ? "query" : candidate.validationContext ?? "body";
    const field = path || where;
    return new GatewayError("invalid_request", `${field === where ? where : `${where}.${field}`} ${issue?.message ?? "is invalid"}`, {
      param: field,
    });
  }
  const status = candidate?.statusCode;
  if (candidate?.code === "FST_ERR_CTP_BODY_TOO_LARGE" || status === 413) {
    return new GatewayError("payload_too_large", "request body is larger than the server's limit");
  }
  if (typeof status === "number" && status >= 400 && status < 500) {
    const message = candidate.code?.startsWith("FST_ERR_CTP") || error instanceof SyntaxError ? `invalid request body: ${candidate.message}` : candidate.message;
    return new GatewayError(status === 404 ? "not_found" : "invalid_request", message, { status });
  }
  return new GatewayError("internal_error", "internal error", { cause: error });
}
