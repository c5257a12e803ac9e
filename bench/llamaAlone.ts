/**
 * node-llama-cpp alone, in its own process: loads the model with the settings the local engine uses (CPU, one
 * thread, the same context size), then generates for a while and prints one JSON line with the tokens per
 * second. The baseline the local engine through Switchyard is read against.
 *
 * `node dist/bench/llamaAlone.js --model FILE --max-tokens N --duration S [--threads 1] [--context-size 4096]`
 */
import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper } from "node-llama-cpp";
import { parseArgs } from "node:util";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: "string" }, "max-tokens": { type: "string" }, duration: { type: "string" }, threads: { type: "string" }, "context-size": { type: "string" } },
    strict: true,
  });
  if (values.model === undefined) throw new Error("--model is required");
  const maxTokens = Number(values["max-tokens"] ?? 128);
  const durationMs = Number(values.duration ?? 5) * 1000;
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: values.model });
  const context = await model.createContext({
    sequences: 1,
    contextSize: Math.min(Number(values["context-size"] ?? 4096), model.trainContextSize > 0 ? model.trainContextSize : Number.MAX_SAFE_INTEGER),
    threads: Number(values.threads ?? 1),
  });
  const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model) });
  const history = [{ type: "user" as const, text: "Say hello." }];
  let tokens = 0;
  let generations = 0;
  let seconds = 0;
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    const started = performance.now();
    // temperature 1 as the engine defaults to, a different seed each time as different requests would be.
    await chat.generateResponse(history, { maxTokens, temperature: 1, seed: generations, onResponseChunk: (chunk) => void (tokens += chunk.tokens.length) });
    seconds += (performance.now() - started) / 1000;
    generations++;
  }
  process.stdout.write(`${JSON.stringify({ msg: "llama alone done", tokens, generations, seconds, tokensPerSecond: tokens / seconds })}\n`);
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`llama alone: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
