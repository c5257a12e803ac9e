import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { BedrockEngineConfig } from "../../config/schema.js";
import type { ChatRequest, Engine, StreamOptions, StreamPart } from "../spec.js";
import { createCallCounter } from "../createCallCounter.js";
import type { EngineLogger } from "../createUpstreamPool.js";
import { streamConverse } from "./streamConverse.js";
import { toConverseInput } from "./toConverseInput.js";

export interface BedrockEngineOptions {
  logger?: EngineLogger;
  /** Longest wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Longest wait for response headers (default 300 s). The policy layer's TTFT timeout is tighter. */
  headersTimeoutMs?: number;
  /** Longest silence on the socket in the middle of an answer (default 300 s). */
  idleTimeoutMs?: number;
}

/**
 * An engine for Amazon Bedrock Runtime's Converse API, through the AWS SDK's own client: it signs with SigV4,
 * decodes the binary event stream and resolves credentials (static ones from the config, else the default chain:
 * env, shared config/profile, web identity, ECS/IMDS). The error contract is createOpenAIEngine's (see
 * streamConverse and mapBedrockError).
 */
export function createBedrockEngine(config: BedrockEngineConfig, options: BedrockEngineOptions = {}): Engine {
  const client = new BedrockRuntimeClient({
    region: config.region,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
    // The gateway's retry and fallback layer decides about retries; the SDK's own would hide failures from it.
    maxAttempts: 1,
    // HTTP/1.1 rather than the SDK's HTTP/2 default for this service: ConverseStream needs no bidirectional
    // stream, and a socket per call makes an abort or a cut end exactly that call.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.headersTimeoutMs ?? 300_000,
      socketTimeout: options.idleTimeoutMs ?? 300_000,
      throwOnRequestTimeout: true,
    }),
  });
  const logger = options.logger;
  const calls = createCallCounter();
  let closed = false;

  function stream(request: ChatRequest, { signal }: StreamOptions): AsyncIterable<StreamPart> {
    // Translated on first pull, so an invalid request is thrown by the stream like every other failure.
    return (async function* () {
      const input = toConverseInput(request, config.defaultMaxTokens);
      yield* streamConverse({
        client,
        input,
        signal,
        onUpstreamError: (error) => logger?.warn({ upstream: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, "Bedrock answered with an error"),
        onBegin: calls.onBegin,
        onSettled: calls.onSettled,
      });
    })();
  }

  return {
    name: config.name,
    type: "bedrock",
    models: Object.freeze([...config.models]),
    stream,
    status: calls.status,
    close() {
      if (!closed) {
        closed = true;
        client.destroy();
      }
      return Promise.resolve();
    },
  };
}
