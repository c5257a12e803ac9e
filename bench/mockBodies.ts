/**
 * Every byte the mock upstream sends, built once per model and reused, so the mock spends its time on sockets and
 * not on JSON.stringify: its own cost must stay far below the gateway overhead being measured.
 */

export interface StreamBodies {
  /** What goes out after the TTFT delay: the role chunk and the first content chunk, in one write. */
  first: Buffer;
  /** The remaining content chunks, the finish chunk, the usage chunk (when asked) and [DONE], one write each. */
  rest: Buffer[];
  /** first + rest, for a stream with no pauses between chunks. */
  whole: Buffer;
}

export interface MockBodies {
  completion(model: string): Buffer;
  stream(model: string, includeUsage: boolean): StreamBodies;
  models: Buffer;
  fault: Buffer;
  badRequest: Buffer;
  notFound: Buffer;
}

const created = 1_700_000_000;
const id = "chatcmpl-bench";
const promptTokens = 8;
// Bounds the per-model cache: model names come from clients, and a benchmark never needs more than a few.
const maxCachedModels = 64;

export function createMockBodies(chunks: number, models: readonly string[]): MockBodies {
  const pieces = Array.from({ length: chunks }, (_, i) => (i === 0 ? "Hello" : ` w${i}`));
  const usage = { prompt_tokens: promptTokens, completion_tokens: chunks, total_tokens: promptTokens + chunks };
  const completions = new Map<string, Buffer>();
  const streams = new Map<string, StreamBodies>();

  const cached = <T>(cache: Map<string, T>, key: string, build: () => T): T => {
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= maxCachedModels) cache.clear();
      value = build();
      cache.set(key, value);
    }
    return value;
  };

  return {
    completion: (model) =>
      cached(completions, model, () =>
        Buffer.from(
          JSON.stringify({
            id,
            object: "chat.completion",
            created,
            model,
            choices: [{ index: 0, message: { role: "assistant", content: pieces.join(""), refusal: null }, logprobs: null, finish_reason: "stop" }],
            usage,
          }),
        ),
      ),
    stream: (model, includeUsage) =>
      cached(streams, `${includeUsage ? "u" : "-"}${model}`, () => {
        const chunk = (delta: Record<string, unknown>, finishReason: string | null) => {
          const body: Record<string, unknown> = {
            id,
            object: "chat.completion.chunk",
            created,
            model,
            choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
          };
          // OpenAI marks every chunk but the usage one with `usage: null` when usage was asked for.
          if (includeUsage) body.usage = null;
          return `data: ${JSON.stringify(body)}\n\n`;
        };
        const first = Buffer.from(chunk({ role: "assistant", content: "" }, null) + chunk({ content: pieces[0] }, null));
        const rest = pieces.slice(1).map((piece) => Buffer.from(chunk({ content: piece }, null)));
        rest.push(Buffer.from(chunk({}, "stop")));
        if (includeUsage) {
          rest.push(Buffer.from(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`));
        }
        rest.push(Buffer.from("data: [DONE]\n\n"));
        return { first, rest, whole: Buffer.concat([first, ...rest]) };
      }),
    models: Buffer.from(
      JSON.stringify({ object: "list", data: models.map((model) => ({ id: model, object: "model", created, owned_by: "switchyard-bench" })) }),
    ),
    fault: errorBody("injected fault", "server_error"),
    badRequest: errorBody("the body must be a JSON object", "invalid_request_error"),
    notFound: errorBody("not found", "invalid_request_error"),
  };
}

function errorBody(message: string, type: string): Buffer {
  return Buffer.from(JSON.stringify({ error: { message, type, param: null, code: null } }));
}
