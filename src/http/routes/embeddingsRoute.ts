import type { FastifyInstance } from "fastify";
import type { EmbeddingsConfig } from "../../config/embeddingsSchema.js";
import { GatewayError } from "../../errors.js";
import type { Meter } from "../../metering/createMeter.js";
import { estimateTokens } from "../../metering/estimateTokens.js";
import { failureOutcome } from "../../metering/failureOutcome.js";
import type { Embedded, Router } from "../../routing/createRouter.js";
import { encodeEmbedding } from "../../apis/openai/encodeEmbedding.js";
import { embeddingsBody, type EmbeddingsBody } from "../../apis/openai/embeddingsSchema.js";
import { toEmbeddingInput } from "../../apis/openai/toEmbeddingInput.js";
import type { RequestSignals } from "../requestSignals.js";

const schema = {
  tags: ["openai"],
  summary: "Create embeddings",
  description:
    "OpenAI's embeddings: one vector per input, in input order, as numbers or (`encoding_format: base64`) little-endian float32 " +
    "in base64. The response's `model` names the `engine/model` that served it. Limits: `embeddings.maxInputs` inputs " +
    "(400 `invalid_request`) and `embeddings.maxInputBytes` bytes of text (413 `payload_too_large`) per request.",
  body: embeddingsBody,
};

export interface EmbeddingsRouteDeps {
  router(): Router;
  signals: RequestSignals;
  meter: Meter;
  limits: Pick<EmbeddingsConfig, "maxInputs" | "maxInputBytes">;
}

/**
 * POST /v1/embeddings. In the chat rate-limit class (requests and tokens, a key's own rpm/tpm), metered like chat
 * (budget reservation of the input, a ledger row with its input tokens and cost), through the router's policies.
 */
export function embeddingsRoute(app: FastifyInstance, deps: EmbeddingsRouteDeps): void {
  app.post("/v1/embeddings", { config: { policy: "user", routeClass: "chat", modelKind: "embeddings" }, schema }, async (request, reply) => {
    const body = request.body as EmbeddingsBody;
    const { input, tokens, bytes } = toEmbeddingInput(body, deps.limits);
    const router = deps.router();
    const plan = router.planForEmbedding(body.model);
    if (tokens) {
      const textOnly = plan.targets.find((target) => target.engine.engine.embeddings?.embeddingTokenInput !== true);
      if (textOnly) {
        throw new GatewayError("invalid_request", `engine ${textOnly.engine.name} takes text input only; send strings, not token arrays`, { param: "input" });
      }
    }
    const signal = deps.signals.signalFor(request.raw, reply.raw);
    const startedAt = performance.now();
    const ticket = await deps.meter.begin({
      principal: request.principal,
      targets: plan.targets.map((t) => t.id),
      messages: [],
      maxTokens: 0,
      promptTokens: tokens ? bytes / 4 : estimateTokens(bytes),
      route: plan.name,
      traceId: request.traceId,
      requestId: request.id,
    });
    let embedded: Embedded;
    try {
      embedded = await router.embed(
        plan,
        {
          input,
          ...(typeof body.dimensions === "number" ? { dimensions: body.dimensions } : {}),
          ...(typeof body.user === "string" ? { user: body.user } : {}),
        },
        { signal, traceparent: request.traceparent, timing: request.observed },
      );
    } catch (error) {
      ticket.settle({ ...failureOutcome(error, signal), latencyMs: performance.now() - startedAt });
      throw error;
    }
    const { target, result } = embedded;
    const inputTokens = result.usage.inputTokens;
    ticket.settle({
      engine: target.engine.name,
      model: target.model,
      usage: { inputTokens, outputTokens: 0, totalTokens: inputTokens },
      status: "complete",
      latencyMs: performance.now() - startedAt,
    });
    const base64 = body.encoding_format === "base64";
    return {
      object: "list",
      data: result.vectors.map((vector, index) => ({ object: "embedding", index, embedding: base64 ? encodeEmbedding(vector) : vector })),
      model: target.id,
      usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
    };
  });
}
