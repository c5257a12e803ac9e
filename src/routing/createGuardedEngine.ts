/**
 * One engine behind its resilience policies: cockatiel's bulkhead (maxConcurrency + bounded queue), circuit breaker
 * and retry with backoff, inside a time-to-first-token timeout, with a total timeout spanning the stream (both in
 * callDeadline).
 * Everything before the first part is invisible to the client, so it can be retried or handed to another target;
 * after it, a failure ends the stream with an error part and nothing is retried.
 */
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  handleWhen,
  retry,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  wrap,
} from "cockatiel";
import type { EngineConfig, TimeoutsConfig } from "../config/schema.js";
import type { ChatRequest, EmbeddingRequest, EmbeddingResult, Engine, StreamPart } from "../engines/spec.js";
import { GatewayError, isAbortError } from "../errors.js";
import { holdPolicy, type HeldPolicy } from "./holdPolicy.js";
import { callDeadline, raceAbort, type CallDeadline } from "./callDeadline.js";
import { fromPolicyError, isEngineFault, isRetryable } from "./policyErrors.js";
import { retryBackoff } from "./retryBackoff.js";

export type BreakerState = "closed" | "open" | "half-open" | "isolated";

export interface GuardedEngineState {
  name: string;
  type: Engine["type"];
  models: readonly string[];
  usable: boolean;
  reason?: string;
  breaker: BreakerState;
  inFlight: number;
  queued: number;
  maxConcurrency: number;
  maxQueue: number;
  /** Exponentially weighted moving average of time to first token, once measured. */
  ewmaTtftMs: number | null;
}

export interface OpenOptions {
  signal: AbortSignal;
  traceparent?: string;
  /** Route-level overrides of the engine's timeouts. */
  timeouts?: Partial<TimeoutsConfig> | undefined;
  /** See StreamOptions.coalesce. */
  coalesce?: boolean;
}

export interface OpenedStream {
  /** The whole stream, first part included. */
  parts: AsyncIterable<StreamPart>;
  /** Undefined for a whole answer asked for at once (see Engine.wholeWhenCoalesced): it has no first token of its own. */
  ttftMs: number | undefined;
  /** Tries it took on this engine (1 = no retry). */
  attempts: number;
}

export interface GuardedEngine {
  readonly engine: Engine;
  readonly config: EngineConfig;
  state(): GuardedEngineState;
  /** Resolves once the engine produced its first part; rejects with a GatewayError (or an AbortError) otherwise. */
  open(request: ChatRequest, options: OpenOptions): Promise<OpenedStream>;
  /**
   * An embeddings call behind the same bulkhead, breaker and retries, bounded by the total timeout (an
   * embedding has no first token). Rejects like open().
   */
  embed(request: EmbeddingRequest, options: OpenOptions): Promise<EmbeddedResult>;
  /** Waits for in-flight streams to finish, then closes the engine. */
  close(): Promise<void>;
}

export interface EmbeddedResult {
  result: EmbeddingResult;
  /** Tries it took on this engine (1 = no retry). */
  attempts: number;
}

export interface GuardedEngineOptions {
  /** Called when the breaker opens, goes half-open for a trial, and closes again after a successful one (webhooks, metrics). */
  onBreakerChange?: ((state: "open" | "closed" | "half-open") => void) | undefined;
}

const ewmaWeight = 0.3;
const breakerStates: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

export function createGuardedEngine(engine: Engine, config: EngineConfig, options: GuardedEngineOptions = {}): GuardedEngine {
  const slots = bulkhead(config.maxConcurrency, config.maxQueue);
  const breaker = circuitBreaker(handleWhen(isEngineFault), {
    halfOpenAfter: config.breaker.halfOpenAfterMs,
    breaker: new SamplingBreaker({
      // cockatiel opens when failures exceed the threshold; the config says "at" the ratio.
      threshold: Math.min(0.999, Math.max(0.001, config.breaker.failureRatio - 1e-9)),
      duration: config.breaker.windowMs,
      minimumRps: config.breaker.minRequests / (config.breaker.windowMs / 1000),
    }),
  });
  if (options.onBreakerChange) {
    const notify = options.onBreakerChange;
    breaker.onStateChange((next) => {
      if (next === CircuitState.Open) notify("open");
      else if (next === CircuitState.Closed) notify("closed");
      else if (next === CircuitState.HalfOpen) notify("half-open");
    });
  }
  const admission = wrap(slots, breaker);
  const retries = retry(handleWhen((error) => isRetryable(error, config.retry.maxDelayMs)), {
    maxAttempts: config.retry.attempts,
    backoff: retryBackoff(config.retry),
  });
  let ewmaTtftMs: number | null = null;
  let streams = 0;
  let drained: (() => void) | undefined;

  const state = (): GuardedEngineState => {
    const status = engine.status();
    return {
      name: engine.name,
      type: engine.type,
      models: engine.models,
      usable: status.usable,
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      breaker: breakerStates[breaker.state],
      inFlight: config.maxConcurrency - slots.executionSlots,
      queued: config.maxQueue - slots.queueSlots,
      maxConcurrency: config.maxConcurrency,
      maxQueue: config.maxQueue,
      ewmaTtftMs: ewmaTtftMs === null ? null : Math.round(ewmaTtftMs),
    };
  };

  async function open(request: ChatRequest, options: OpenOptions): Promise<OpenedStream> {
    // A whole answer's first part is its last: only the total limit bounds it, and its wait says nothing of TTFT.
    const whole = options.coalesce === true && engine.wholeWhenCoalesced === true;
    const ttftMs = options.timeouts?.ttftMs ?? config.timeouts.ttftMs;
    const totalMs = options.timeouts?.totalMs ?? config.timeouts.totalMs;
    const client = options.signal;
    if (client.aborted) throw client.reason;
    const status = engine.status();
    if (!status.usable) {
      throw new GatewayError("engine_unavailable", `engine ${engine.name} is unavailable: ${status.reason ?? "unknown reason"}`, {
        retryAfterSeconds: 5,
      });
    }
    const startedAt = performance.now();
    const deadline = callDeadline(client, whole ? undefined : ttftMs, totalMs);
    const { signal } = deadline;
    let attempts = 0;

    // Every try shares the deadline's signal: the client leaving, the total timeout, and the TTFT timeout until the
    // first part arrived all end the engine call the same way.
    const attempt = async (): Promise<Opened> => {
      attempts += 1;
      if (signal.aborted) throw signal.reason;
      const slot = await holdPolicy(admission, signal);
      try {
        const iterator = engine.stream(request, {
          signal,
          ...(options.traceparent ? { traceparent: options.traceparent } : {}),
          ...(options.coalesce ? { coalesce: true } : {}),
        })[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (signal.aborted) {
          // A limit fired as the part arrived: the caller has given up on this engine, so the stream goes unread.
          await iterator.return?.().catch(() => undefined);
          throw signal.reason;
        }
        if (first.done) throw new GatewayError("upstream_error", `engine ${engine.name} ended without output`, { retryable: true });
        if (first.value.type === "error") throw first.value.error;
        return { iterator, first: first.value, slot };
      } catch (error) {
        const failure = explain(error, client, deadline, engine.name, ttftMs, totalMs);
        slot.release(isEngineFault(failure) ? failure : undefined);
        throw failure;
      }
    };

    let opened: Opened;
    try {
      opened = await raceAbort(
        retries.execute(() => attempt(), signal),
        signal,
      );
    } catch (error) {
      deadline.release();
      if (client.aborted) throw client.reason;
      const timedOut = explain(error, client, deadline, engine.name, ttftMs, totalMs);
      if (timedOut !== error) throw timedOut;
      throw fromPolicyError(error, engine.name, config.breaker.halfOpenAfterMs);
    }
    deadline.started();

    const ttftMeasured = performance.now() - startedAt;
    if (!whole) ewmaTtftMs = ewmaTtftMs === null ? ttftMeasured : ewmaWeight * ttftMeasured + (1 - ewmaWeight) * ewmaTtftMs;
    streams += 1;
    const finished = () => {
      streams -= 1;
      if (streams === 0) drained?.();
    };
    return {
      parts: rest(opened, { client, deadline, totalMs, engineName: engine.name, finished }),
      ttftMs: whole ? undefined : Math.round(ttftMeasured),
      attempts,
    };
  }

  async function embed(request: EmbeddingRequest, options: OpenOptions): Promise<EmbeddedResult> {
    const capability = engine.embeddings;
    if (!capability) throw new GatewayError("not_found", `engine ${engine.name} serves no embedding models`, { param: "model" });
    const totalMs = options.timeouts?.totalMs ?? config.timeouts.totalMs;
    const client = options.signal;
    if (client.aborted) throw client.reason;
    const status = engine.status();
    if (!status.usable) {
      throw new GatewayError("engine_unavailable", `engine ${engine.name} is unavailable: ${status.reason ?? "unknown reason"}`, {
        retryAfterSeconds: 5,
      });
    }
    let attempts = 0;
    const attempt = async (attemptSignal: AbortSignal): Promise<EmbeddingResult> => {
      attempts += 1;
      const slot = await holdPolicy(admission, attemptSignal);
      streams += 1;
      try {
        const result = await capability.embed(request, attemptSignal, { traceparent: options.traceparent });
        slot.release();
        return result;
      } catch (error) {
        const failure = client.aborted || !isAbortError(error) ? error : new GatewayError("engine_timeout", `engine ${engine.name} did not answer within ${totalMs} ms`, { cause: error });
        slot.release(isEngineFault(failure) ? failure : undefined);
        throw failure;
      } finally {
        streams -= 1;
        if (streams === 0) drained?.();
      }
    };
    try {
      const total = timeout(totalMs, TimeoutStrategy.Aggressive);
      const result = await total.execute(({ signal }) => retries.execute(({ signal: retrySignal }) => attempt(retrySignal), signal), client);
      return { result, attempts };
    } catch (error) {
      if (client.aborted) throw client.reason;
      const mapped = fromPolicyError(error, engine.name, config.breaker.halfOpenAfterMs);
      if (mapped instanceof GatewayError && mapped.code === "engine_timeout" && !(error instanceof GatewayError)) {
        throw new GatewayError("engine_timeout", `engine ${engine.name} did not answer within ${totalMs} ms`, { cause: error });
      }
      throw mapped;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    engine,
    config,
    state,
    open,
    embed,
    close() {
      closing ??= (async () => {
        if (streams > 0) await new Promise<void>((resolve) => (drained = resolve));
        await engine.close();
      })();
      return closing;
    },
  };
}

interface Opened {
  iterator: AsyncIterator<StreamPart>;
  first: StreamPart;
  slot: HeldPolicy;
}

interface RestContext {
  client: AbortSignal;
  deadline: CallDeadline;
  totalMs: number;
  engineName: string;
  finished(): void;
}

/** The stream after its first part, holding the bulkhead slot, the breaker verdict and the total timeout. */
async function* rest(opened: Opened, context: RestContext): AsyncGenerator<StreamPart> {
  const { iterator, slot } = opened;
  let failure: unknown;
  let ended = false;
  try {
    yield opened.first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        return;
      }
      if (next.value.type === "error") {
        failure = next.value.error;
        ended = true;
        yield next.value;
        return;
      }
      yield next.value;
    }
  } catch (error) {
    ended = true;
    failure =
      context.deadline.expired === "total" && !context.client.aborted
        ? new GatewayError("engine_timeout", `engine ${context.engineName} did not finish within ${context.totalMs} ms`, { cause: error })
        : error;
    throw failure;
  } finally {
    context.deadline.release();
    // A consumer that leaves early (client gone) must still close the upstream call.
    if (!ended) await iterator.return?.().catch(() => undefined);
    slot.release(isEngineFault(failure) ? failure : undefined);
    context.finished();
  }
}

/** An abort caused by a limit, as the timeout it is; anything else (the client leaving included) as it was. */
function explain(error: unknown, client: AbortSignal, deadline: CallDeadline, engineName: string, ttftMs: number, totalMs: number): unknown {
  if (client.aborted || !isAbortError(error) || deadline.expired === undefined) return error;
  if (deadline.expired === "total") return new GatewayError("engine_timeout", `engine ${engineName} did not finish within ${totalMs} ms`, { cause: error });
  return new GatewayError("engine_timeout", `engine ${engineName} produced no first token within ${ttftMs} ms`, { cause: error });
}
