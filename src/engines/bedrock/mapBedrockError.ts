import { GatewayError } from "../../errors.js";
import { errorCode, mapTransportError } from "../openai/mapTransportError.js";
import { parseRetryAfterMs } from "../openai/parseRetryAfter.js";

/** What the SDK attaches to a service error; read structurally so a changed class hierarchy cannot hide it. */
interface ServiceErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { headers?: Record<string, string | undefined> };
}

const retryableUpstream = new Set(["ServiceUnavailableException", "InternalServerException", "ModelStreamErrorException", "ModelNotReadyException", "ModelTimeoutException"]);
const requestFaults = new Set(["ValidationException", "ResourceNotFoundException", "ModelErrorException", "ServiceQuotaExceededException"]);
const credentialFaults = new Set(["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignatureException", "MissingAuthenticationTokenException"]);

/**
 * Classifies a failure of a ConverseStream call before any output, thrown by the SDK or sent in-band as an
 * exception event: by the exception's name first (in-band exceptions carry no status), then its HTTP status.
 */
export function mapBedrockError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const shape = (typeof error === "object" && error !== null ? error : {}) as ServiceErrorShape;
  const name = typeof shape.name === "string" ? shape.name : "";
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : undefined;
  const detail = typeof shape.message === "string" && shape.message !== "" ? `: ${shape.message}` : "";
  if (name === "ThrottlingException" || status === 429) {
    // Bedrock sends no Retry-After today; a proxy in front of it (or a future Bedrock) may.
    const retryAfterMs = parseRetryAfterMs(headerOf(shape, "retry-after"));
    return new GatewayError("engine_overloaded", `Bedrock is throttling requests${detail}`, { retryable: true, cause: error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (credentialFaults.has(name) || status === 401 || status === 403) {
    return new GatewayError("upstream_error", `Bedrock refused the engine's AWS credentials (${name || status})${detail}`, { retryable: false, cause: error });
  }
  if (requestFaults.has(name) || status === 400 || status === 404 || status === 413) {
    return new GatewayError("invalid_request", `Bedrock rejected the request${detail}`, { retryable: false, cause: error });
  }
  if (retryableUpstream.has(name) || (status !== undefined && status >= 500)) {
    return new GatewayError("upstream_error", `Bedrock failed (${name || status})${detail}`, { retryable: true, cause: error });
  }
  if (name === "CredentialsProviderError") {
    return new GatewayError("upstream_error", `no AWS credentials for Bedrock${detail}`, { retryable: false, cause: error });
  }
  if (status === undefined && (errorCode(error) !== undefined || name === "TimeoutError")) return mapTransportError(error);
  if (status !== undefined) return new GatewayError("upstream_error", `Bedrock answered ${status}${detail}`, { retryable: false, cause: error });
  return new GatewayError("upstream_error", `Bedrock call failed${detail}`, { retryable: true, cause: error });
}

function headerOf(shape: ServiceErrorShape, name: string): string | undefined {
  const headers = shape.$response?.headers;
  if (headers === undefined) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
