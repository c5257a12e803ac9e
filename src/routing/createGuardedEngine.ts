/**
 * One engine behind its resilience policies, composed the cockatiel way: admission (the bulkhead and the circuit
 * breaker, admission.ts), retries with backoff (cockatiel's retry), one deadline signal per call for the
 * time-to-first-token and total limits (callDeadline.ts, for chat and embeddings alike), the stream's tail
 * (settled once by the consumer, engineCall.ts) and the drain count that closing waits for (drainCounter.ts).
 * Everything before the first part is invisible to the client, so it can be retried or handed to another target;
 * after it, a failure ends the stream and nothing is retried.
 */
import { BrokenCircuitError, retry, handleWhen } from "cockatiel";
import { untilAborted } from "../abort.js";
import type { TimeoutsConfig } from "../config/policySchema.js";
import type { EngineConfig } from "../config/schema.js";
import type { ChatRequest, EmbeddingRequest, EmbeddingResult, Engine, EngineType, StreamPart } from "../engines/spec.js";
import { GatewayError, isAbortError } from "../errors.js";
import { createAdmission, type BreakerState, type Slot } from "./admission.js";
import { callDeadline, type CallDeadline } from "./callDeadline.js";
import { createDrainCounter } from "./drainCounter.js";
import type { CallEnd, EngineCall } from "./engineCall.js";
import { fromPolicyError, isEngineFault, isRetryable, namedByEngine } from "./policyErrors.js";
import { retryBackoff } from "./retryBackoff.js";

export type { BreakerState } from "./admission.js";

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
  /** The engine's latest fault (what the breaker counts), null until one happens. */
  lastError: EngineFault | null;
}

export interface EngineFault {
  code: string;
  message: string;
  /** ISO 8601 time it happened. */
  at: string;
}

export interface OpenOptions {
  signal: AbortSignal;
  traceparent?: string | undefined;
  /** Route-level overrides of the engine's timeouts. */
  timeouts?: Partial<TimeoutsConfig> | undefined;
  /** See StreamOptions.coalesce. */
  coalesce?: boolean;
  /** Told how the call ended, after its slot was released (telemetry). */
  onEnd?: ((end: CallEnd) => void) | undefined;
}

export interface GuardedEngine {
  readonly name: string;
  readonly type: EngineType;
  readonly engine: Engine;
  readonly config: EngineConfig;
  state(): GuardedEngineState;
  /** Resolves once the engine produced its first part; rejects with a GatewayError (or an AbortError) otherwise. */
  open(request: ChatRequest, options: OpenOptions): Promise<EngineCall>;
  /**
   * An embeddings call behind the same bulkhead, breaker and retries, bounded by the total timeout (an
   * embedding has no first token). Rejects like open().
   */
  embed(request: EmbeddingRequest, options: OpenOptions): Promise<EmbeddedResult>;
  /** Waits for in-flight calls to finish, then closes the engine. */
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

interface Admitted {
  iterator: AsyncIterator<StreamPart>;
  first: StreamPart;
  slot: Slot;
}

export function createGuardedEngine(engine: Engine, config: EngineConfig, options: GuardedEngineOptions = {}): GuardedEngine {
  const admission = createAdmission(engine.name, config, options.onBreakerChange);
  const retries = retry(handleWhen((error) => isRetryable(error, config.retry.maxDelayMs)), {
    maxAttempts: config.retry.attempts,
    backoff: retryBackoff(config.retry),
  });
  const running = createDrainCounter();
  let ewmaTtftMs: number | null = null;
  let lastError: EngineFault | null = null;
  // The breaker refusing a call is not news about the upstream: the fault that opened it stays the last error.
  const noteFault = (failure: unknown) => {
    if (!isEngineFault(failure) || (failure as GatewayError).cause instanceof BrokenCircuitError) return;
    const { code, message } = failure as GatewayError;
    lastError = { code, message, at: new Date().toISOString() };
  };

  const state = (): GuardedEngineState => {
    const status = engine.status();
    return {
      name: engine.name,
      type: engine.type,
      models: engine.models,
      usable: status.usable,
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      breaker: admission.breaker,
      inFlight: admission.inFlight,
      queued: admission.queued,
      maxConcurrency: config.maxConcurrency,
      maxQueue: config.maxQueue,
      ewmaTtftMs: ewmaTtftMs === null ? null : Math.round(ewmaTtftMs),
      lastError,
    };
  };

  const ensureUsable = () => {
    const status = engine.status();
    if (!status.usable) {
      throw new GatewayError("engine_unavailable", `engine ${engine.name} is unavailable: ${status.reason ?? "unknown reason"}`, { retryAfterSeconds: 5 });
    }
  };

  async function open(request: ChatRequest, options: OpenOptions): Promise<EngineCall> {
    // A whole answer's first part is its last: only the total limit bounds it, and its wait says nothing of TTFT.
    const whole = options.coalesce === true && engine.wholeWhenCoalesced === true;
    const ttftMs = options.timeouts?.ttftMs ?? config.timeouts.ttftMs;
    const totalMs = options.timeouts?.totalMs ?? config.timeouts.totalMs;
    const client = options.signal;
    if (client.aborted) throw client.reason;
    ensureUsable();
    const startedAt = performance.now();
    const deadline = callDeadline(client, whole ? undefined : ttftMs, totalMs);
    const { signal } = deadline;
    const streamOptions = {
      signal,
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
      ...(options.coalesce ? { coalesce: true } : {}),
    };
    let attempts = 0;

    // Every try shares the deadline's signal: the client leaving, the total timeout, and the TTFT timeout until the
    // first part arrived all end the engine call the same way.
    const attempt = async (): Promise<Admitted> => {
      attempts += 1;
      if (signal.aborted) throw signal.reason;
      const slot = await admission.admit(signal);
      try {
        const iterator = engine.stream(request, streamOptions)[Symbol.asyncIterator]();
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
        const failure = namedByEngine(explainLimit(error, client, deadline, engine.name, ttftMs, totalMs), engine.name);
        slot.release(isEngineFault(failure) ? failure : undefined);
        throw failure;
      }
    };

    let admitted: Admitted;
    try {
      admitted = await untilAborted(
        retries.execute(() => attempt(), signal),
        signal,
      );
    } catch (error) {
      deadline.release();
      if (client.aborted) throw client.reason;
      const timedOut = explainLimit(error, client, deadline, engine.name, ttftMs, totalMs);
      const failure = timedOut !== error ? timedOut : fromPolicyError(error, engine.name, config.breaker.halfOpenAfterMs);
      noteFault(failure);
      throw failure;
    }
    deadline.started();

    const ttftMeasured = performance.now() - startedAt;
    if (!whole) ewmaTtftMs = ewmaTtftMs === null ? ttftMeasured : ewmaWeight * ttftMeasured + (1 - ewmaWeight) * ewmaTtftMs;
    running.enter();
    let finished = false;
    const { slot } = admitted;
    return {
      engine: engine.name,
      first: admitted.first,
      rest: admitted.iterator,
      ttftMs: whole ? undefined : Math.round(ttftMeasured),
      attempts,
      explain: (error) =>
        deadline.expired() === "total" && !client.aborted
          ? new GatewayError("engine_timeout", `engine ${engine.name} did not finish within ${totalMs} ms`, { cause: error })
          : error,
      finish(end) {
        if (finished) return;
        finished = true;
        if (end.failure !== undefined) end.failure = namedByEngine(end.failure, engine.name);
        deadline.release();
        slot.release(isEngineFault(end.failure) ? end.failure : undefined);
        noteFault(end.failure);
        running.leave();
        options.onEnd?.(end);
      },
    };
  }

  async function embed(request: EmbeddingRequest, options: OpenOptions): Promise<EmbeddedResult> {
    const capability = engine.embeddings;
    if (!capability) throw new GatewayError("not_found", `engine ${engine.name} serves no embedding models`, { param: "model" });
    const totalMs = options.timeouts?.totalMs ?? config.timeouts.totalMs;
    const client = options.signal;
    if (client.aborted) throw client.reason;
    ensureUsable();
    const deadline = callDeadline(client, undefined, totalMs);
    const { signal } = deadline;
    const timedOut = (cause: unknown) => new GatewayError("engine_timeout", `engine ${engine.name} did not answer within ${totalMs} ms`, { cause });
    let attempts = 0;
    const attempt = async (): Promise<EmbeddingResult> => {
      attempts += 1;
      if (signal.aborted) throw signal.reason;
      const slot = await admission.admit(signal);
      running.enter();
      try {
        const result = await capability.embed(request, signal, { traceparent: options.traceparent });
        slot.release();
        return result;
      } catch (error) {
        const failure = namedByEngine(deadline.expired() !== undefined && !client.aborted && isAbortError(error) ? timedOut(error) : error, engine.name);
        slot.release(isEngineFault(failure) ? failure : undefined);
        throw failure;
      } finally {
        running.leave();
      }
    };
    try {
      const result = await untilAborted(retries.execute(() => attempt(), signal), signal);
      return { result, attempts };
    } catch (error) {
      if (client.aborted) throw client.reason;
      const failure =
        deadline.expired() !== undefined && !(error instanceof GatewayError && error.code === "engine_timeout")
          ? timedOut(error)
          : fromPolicyError(error, engine.name, config.breaker.halfOpenAfterMs);
      noteFault(failure);
      throw failure;
    } finally {
      deadline.release();
    }
  }

  let closing: Promise<void> | undefined;
  return {
    name: engine.name,
    type: engine.type,
    engine,
    config,
    state,
    open,
    embed,
    close() {
      closing ??= running.drained().then(() => engine.close());
      return closing;
    },
  };
}

/** An abort caused by a limit, as the timeout it is; anything else (the client leaving included) as it was. */
function explainLimit(error: unknown, client: AbortSignal, deadline: CallDeadline, engineName: string, ttftMs: number, totalMs: number): unknown {
  if (client.aborted || !isAbortError(error) || deadline.expired() === undefined) return error;
  if (deadline.expired() === "total") return new GatewayError("engine_timeout", `engine ${engineName} did not finish within ${totalMs} ms`, { cause: error });
  return new GatewayError("engine_timeout", `engine ${engineName} produced no first token within ${ttftMs} ms`, { cause: error });
}
