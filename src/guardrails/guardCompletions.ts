/**
 * The chat-completion pipeline with guardrails around it, for every API on it (/v1/chat/completions,
 * /v1/messages, /v1/responses, queued chat jobs): the input check runs first, before the cache, the budget
 * reservation and the router, so everything after it sees the prompt as masked or rewritten and a refused one
 * reaches none of them; the answer is checked whole (`complete`, a cache hit included: rules can differ by key)
 * or through the stream's sink wrapper (`stream`). A request no rule applies to goes straight to the pipeline.
 */
import type { CompletionContext } from "../completions/completionContext.js";
import type { CompletionInput } from "../completions/completionInput.js";
import type { ChatCompletions } from "../completions/createChatCompletions.js";
import type { Guardrails } from "./createGuardrails.js";
import type { RequestGuard } from "./createRequestGuard.js";
import type { GuardContext } from "./guardContext.js";
import { guardSink } from "./guardSink.js";

export function guardCompletions(pipeline: ChatCompletions, guardrails: Guardrails, routeOf: (model: string) => string): ChatCompletions {
  // The route first: a model nobody serves is not_found before any rule looks at the prompt, as without rules.
  const contextOf = (context: CompletionContext, input: CompletionInput): GuardContext => {
    const route = routeOf(input.model);
    return { principal: context.principal, requestId: context.requestId, traceId: context.traceId, log: context.log, signal: () => context.abortSignal(), route: () => route };
  };
  const checked = async (guard: RequestGuard, context: GuardContext, input: CompletionInput): Promise<CompletionInput> => {
    const messages = await guard.checkInput(context, input.request.messages);
    return messages === input.request.messages ? input : { ...input, request: { ...input.request, messages } };
  };

  return {
    async complete(context, input) {
      const guard = guardrails.forRequest(context.principal, () => routeOf(input.model));
      if (guard === undefined) return pipeline.complete(context, input);
      const guardContext = contextOf(context, input);
      const answer = await pipeline.complete(context, await checked(guard, guardContext, input));
      const text = await guard.checkAnswer(guardContext, answer.response.text);
      if (text === answer.response.text) return answer;
      // A changed answer is no longer the stored entry's: its serialized form cannot be reused.
      return { model: answer.model, cache: answer.cache, cacheScore: answer.cacheScore, response: { ...answer.response, text } };
    },
    async stream(context, input, sink) {
      const guard = guardrails.forRequest(context.principal, () => routeOf(input.model));
      if (guard === undefined) return pipeline.stream(context, input, sink);
      const guardContext = contextOf(context, input);
      const request = await checked(guard, guardContext, input);
      const window = guard.outputWindow(guardContext);
      return pipeline.stream(context, request, window === undefined ? sink : guardSink(sink, window));
    },
  };
}
