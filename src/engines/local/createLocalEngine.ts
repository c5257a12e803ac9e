import path from "node:path";
import type { LocalEngineConfig } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import type { ChatRequest, Engine, EngineStatus, StreamOptions, StreamPart } from "../spec.js";
import { abortErrorFrom, abortErrorWith, linkSignals, untilAborted } from "../../abort.js";
import { createSemaphore } from "../../createSemaphore.js";
import { createLocalEmbeddings } from "./createLocalEmbeddings.js";
import { createSequencePool, type SequencePool } from "./createSequencePool.js";
import { silentLogger, type EngineLogger } from "./engineLogger.js";
import { generateParts } from "./generateParts.js";
import { loadLocalModel, type LoadedModel } from "./loadLocalModel.js";
import { promptTokens } from "./promptTokens.js";
import { isRemoteModel, resolveModel } from "./resolveModel.js";
import { toChatHistory } from "./toChatHistory.js";

export interface LocalEngineOptions {
  logger?: EngineLogger;
  /** Gives up on resolving, downloading and loading the model after this long. Unbounded when absent. */
  loadTimeoutMs?: number;
}

export interface LocalEngine extends Engine {
  /** Settles (never rejects) once loading has succeeded or failed, with the status at that point. */
  whenLoaded(): Promise<EngineStatus>;
}

export const notConfiguredReason =
  "no local model configured: set SWITCHYARD_LOCAL_MODEL to a GGUF file path or an hf: URI, or configure an engine in the config file";

type EngineState =
  | { phase: "loading"; reason: string }
  | { phase: "ready"; loaded: LoadedModel; pool: SequencePool }
  | { phase: "failed"; reason: string }
  | { phase: "closed"; reason: string };

/**
 * The in-process GGUF engine (node-llama-cpp). Returns at once and loads the model in the background; until it
 * is loaded, or if it cannot be, status() says why and stream() throws engine_unavailable. At most
 * `maxConcurrency` generations run at once, each on its own sequence of one shared context; the rest wait in FIFO
 * order and leave the queue when their signal aborts.
 */
export function createLocalEngine(config: LocalEngineConfig, options: LocalEngineOptions = {}): LocalEngine {
  const logger = options.logger ?? silentLogger;
  const closing = new AbortController();
  const semaphore = createSemaphore(config.maxConcurrency);
  const generations = new Set<Promise<void>>();
  let waitingForLoad = 0;
  let state: EngineState =
    config.model.trim() === ""
      ? { phase: "failed", reason: notConfiguredReason }
      : { phase: "loading", reason: `loading model ${config.model}` };
  const setState = (next: EngineState) => {
    if (state.phase !== "closed") state = next;
  };

  async function load(): Promise<LoadedModel | undefined> {
    const timeout = options.loadTimeoutMs === undefined ? undefined : AbortSignal.timeout(options.loadTimeoutMs);
    const link = linkSignals(closing.signal, ...(timeout ? [timeout] : []));
    let modelPath: string | undefined;
    try {
      modelPath = await resolveModel(config.model, {
        modelsDir: config.modelsDir,
        signal: link.signal,
        // A progress bar is escape-code noise in container logs and test output; the logger gets progress there.
        progressBar: process.stdout.isTTY === true,
        onProgress: reportDownload(config, logger, (reason) => setState({ phase: "loading", reason })),
      });
      setState({ phase: "loading", reason: `loading model ${modelPath}` });
      const loaded = await loadLocalModel(modelPath, config, { signal: link.signal, logger });
      setState({ phase: "ready", loaded, pool: createSequencePool(loaded.context, loaded.chatWrapper) });
      logger.info(
        {
          model: modelPath,
          chatWrapper: loaded.chatWrapper.wrapperName,
          contextSize: loaded.context.contextSize,
        },
        "local model loaded",
      );
      return loaded;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const reason = timeout?.aborted
        ? `loading model ${config.model} timed out after ${options.loadTimeoutMs} ms`
        : // resolveModel's messages already name the model and path; llama.cpp's do not.
          modelPath === undefined
          ? message
          : `cannot load model ${modelPath}: ${message}`;
      setState({ phase: "failed", reason });
      // The reason carries the cause's message already; the error's chain of causes would only repeat it.
      if (!closing.signal.aborted) logger.error({}, reason);
      return undefined;
    } finally {
      link.unlink();
    }
  }

  if (state.phase === "failed") logger.warn({}, `engine ${config.name}: ${state.reason}`);
  const loading: Promise<LoadedModel | undefined> = state.phase === "loading" ? load() : Promise.resolve(undefined);

  async function ready(signal: AbortSignal): Promise<Extract<EngineState, { phase: "ready" }>> {
    if (state.phase === "loading") {
      waitingForLoad++;
      try {
        await untilAborted(loading, signal);
      } finally {
        waitingForLoad--;
      }
    }
    if (state.phase === "ready") return state;
    throw new GatewayError("engine_unavailable", state.reason, { retryable: true });
  }

  async function* stream(request: ChatRequest, { signal }: StreamOptions): AsyncGenerator<StreamPart, void, undefined> {
    if (request.tools?.length) {
      throw new GatewayError("invalid_request", `engine ${config.name} does not support tools`, { param: "tools" });
    }
    // A text model would answer as if the image were not there.
    if (request.messages.some((message) => message.images !== undefined && message.images.length > 0)) {
      throw new GatewayError("invalid_request", `engine ${config.name} does not take images`, { param: "messages" });
    }
    if (state.phase === "closed") throw new GatewayError("engine_unavailable", state.reason, { retryable: true });
    if (signal.aborted) throw abortErrorFrom(signal);
    const link = linkSignals(signal, closing.signal);
    try {
      const { loaded, pool } = await ready(link.signal);
      const history = toChatHistory(request.messages);
      const prompt = promptTokens(loaded.chatWrapper, loaded.model.tokenizer, history);
      const release = await semaphore.acquire(link.signal);
      try {
        if (link.signal.aborted) throw abortErrorFrom(link.signal);
        const slot = pool.take(prompt);
        // The last prompt token is always evaluated again to get the logits for the first output token.
        const cached = Math.min(slot.sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length - 1);
        try {
          yield* generateParts({
            engineName: config.name,
            slot,
            history,
            request,
            maxTokens: request.maxTokens ?? config.maxTokens,
            promptTokens: prompt.length,
            cachedPromptTokens: Math.max(0, cached),
            signal: link.signal,
            track: (generation) => {
              generations.add(generation);
              void generation.finally(() => generations.delete(generation));
            },
          });
        } finally {
          pool.give(slot);
        }
      } finally {
        release();
      }
    } finally {
      link.unlink();
    }
  }

  function status(): EngineStatus {
    const counts = { inFlight: semaphore.active, queued: semaphore.waiting + waitingForLoad };
    return state.phase === "ready" ? { usable: true, ...counts } : { usable: false, reason: state.reason, ...(state.phase === "loading" ? { loading: true } : {}), ...counts };
  }

  let closed: Promise<void> | undefined;
  const embeddings =
    config.embeddings === false
      ? undefined
      : createLocalEmbeddings(config, {
          ready: async (signal) => {
            if (state.phase === "closed") throw new GatewayError("engine_unavailable", state.reason, { retryable: true });
            const link = linkSignals(signal, closing.signal);
            try {
              return (await ready(link.signal)).loaded;
            } finally {
              link.unlink();
            }
          },
        });

  return {
    name: config.name,
    type: "local",
    models: config.embeddings === "only" ? [] : [config.modelName],
    embeddings,
    stream,
    status,
    whenLoaded: () => loading.then(() => status()),
    close() {
      closed ??= (async () => {
        state = { phase: "closed", reason: `engine ${config.name} is closed` };
        closing.abort(abortErrorWith(`engine ${config.name} is closing`));
        const loaded = await loading;
        // Generations stop promptly once aborted; the context must outlive them.
        await Promise.all([...generations]);
        await embeddings?.close();
        await loaded?.dispose();
      })();
      return closed;
    },
  };
}

/** Turns download progress into a status reason and a log line every 10%. */
function reportDownload(
  config: LocalEngineConfig,
  logger: EngineLogger,
  setReason: (reason: string) => void,
): (progress: { downloadedBytes: number; totalBytes: number }) => void {
  const directory = path.resolve(config.modelsDir);
  let loggedDecile = -1;
  return ({ downloadedBytes, totalBytes }) => {
    if (!isRemoteModel(config.model)) return;
    const percent = totalBytes > 0 ? Math.floor((downloadedBytes / totalBytes) * 100) : 0;
    setReason(`downloading model ${config.model} into ${directory} (${percent}%)`);
    const decile = Math.floor(percent / 10);
    if (decile > loggedDecile) {
      loggedDecile = decile;
      logger.info({ model: config.model, downloadedBytes, totalBytes }, `downloading model: ${percent}%`);
    }
  };
}
