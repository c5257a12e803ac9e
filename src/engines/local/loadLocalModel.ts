import {
  getLlama,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import type { LocalEngineConfig } from "../../config/schema.js";
import type { EngineLogger } from "./engineLogger.js";

export interface LoadedModel {
  readonly llama: Llama;
  readonly model: LlamaModel;
  /** One context with a sequence per concurrent generation. */
  readonly context: LlamaContext;
  /** The model's chat template, resolved once from its GGUF metadata. */
  readonly chatWrapper: ChatWrapper;
  dispose(): Promise<void>;
}

export interface LoadLocalModelOptions {
  signal: AbortSignal;
  logger: EngineLogger;
}

/** Loads llama.cpp, the GGUF file and one context; on failure or abort releases whatever it had created. */
export async function loadLocalModel(
  modelPath: string,
  config: LocalEngineConfig,
  { signal, logger }: LoadLocalModelOptions,
): Promise<LoadedModel> {
  let llama: Llama | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  const dispose = async () => {
    if (context && !context.disposed) await context.dispose();
    if (model && !model.disposed) await model.dispose();
    if (llama && !llama.disposed) await llama.dispose();
  };
  try {
    llama = await getLlama({
      gpu: config.gpu === "off" ? false : config.gpu,
      // Use the prebuilt binary or fail: compiling llama.cpp inside a server start is never what anyone wants.
      build: "never",
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const entry = { llamaCpp: message.trim() };
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.error(entry, "llama.cpp error");
        else if (level === LlamaLogLevel.warn) logger.warn(entry, "llama.cpp warning");
      },
    });
    signal.throwIfAborted();
    model = await llama.loadModel({ modelPath, loadSignal: signal });
    context = await model.createContext({
      sequences: config.maxConcurrency,
      // Past the training length the model degrades, so a larger configured size only costs memory.
      contextSize: model.trainContextSize > 0 ? Math.min(config.contextSize, model.trainContextSize) : config.contextSize,
      threads: config.threads,
      createSignal: signal,
    });
    const chatWrapper = resolveChatWrapper(model);
    const loaded = { llama, model, context, chatWrapper, dispose };
    signal.throwIfAborted();
    return loaded;
  } catch (error) {
    await dispose();
    throw error;
  }
}
