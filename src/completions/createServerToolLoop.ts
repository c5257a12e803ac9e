/**
 * The server-side tool loop of routes with `serverTools`, on top of the chat-completion pipeline: the route's
 * server tools the caller may use are offered beside the client's own; when an answer asks for server tools the
 * gateway runs them, appends the answer and one `tool` message per call, and asks again — at most tools.maxSteps
 * engine calls, each a whole pipeline call (metered with its own ledger row, budgeted, limited, guarded, cached).
 * What reaches the client is one answer: the text of every step in order, the last answer's finish and tool
 * calls (only ever the client's; see nextToolStep), and the usage of every step added up. Every other model
 * gets no loop at all: `forModel` says undefined and the request takes the pipeline as it is.
 */
import { abortErrorFrom } from "../abort.js";
import type { RouteServerTools } from "../config/routeServerToolsSchema.js";
import { addUsage } from "../engines/addUsage.js";
import type { Principal } from "../auth/principal.js";
import type { ChatMessage, ToolCall, ToolDefinition, Usage } from "../engines/spec.js";
import type { ToolCallObservers } from "../observability/observeToolCall.js";
import type { Router } from "../routing/createRouter.js";
import type { Toolbox } from "../tools/createToolbox.js";
import type { CompletionContext } from "./completionContext.js";
import type { CompletionInput } from "./completionInput.js";
import type { ChatCompletions, CompletedAnswer } from "./createChatCompletions.js";
import { createLoopSink } from "./createLoopSink.js";
import { nextToolStep } from "./nextToolStep.js";
import { offerServerTools, type ServerToolOffer } from "./offerServerTools.js";
import { runServerCalls } from "./runServerCalls.js";

export interface ServerToolLoopDeps {
  completions: ChatCompletions;
  tools: Toolbox;
  router(): Pick<Router, "planForModel">;
  /** The routes in force (a reload hands over new ones). */
  routes(): ReadonlyArray<{ name: string; serverTools?: RouteServerTools | undefined }>;
  /** Tool call spans and metrics. */
  observers: Omit<ToolCallObservers, "logger">;
}

export interface ServerToolLoop {
  /** The pipeline with the loop, for a model that resolves to a route with serverTools; else undefined. */
  forModel(model: string): ChatCompletions | undefined;
  /**
   * Refuses now what the loop would refuse when it runs (a request tool named like a server tool the caller is
   * offered: 400 invalid_request), for work that runs later, a queued job. Nothing for a route without the loop.
   */
  checkTools(model: string, request: { principal: Principal; tools: ToolDefinition[] | undefined; signal: AbortSignal }): Promise<void>;
}

export function createServerToolLoop(deps: ServerToolLoopDeps): ServerToolLoop {
  const settings = deps.tools.settings;
  // Per set of routes: a loop for each route that has server tools, built once.
  const loops = new WeakMap<object, Map<string, { completions: ChatCompletions; requested: RouteServerTools }>>();
  const loopsOf = (routes: ReturnType<ServerToolLoopDeps["routes"]>) => {
    let byRoute = loops.get(routes);
    if (byRoute === undefined) {
      byRoute = new Map(
        routes.flatMap((route) => (route.serverTools === undefined ? [] : [[route.name, { completions: loop(route.name, route.serverTools), requested: route.serverTools }] as const])),
      );
      loops.set(routes, byRoute);
    }
    return byRoute;
  };
  /** The route a model resolves to, when that route has server tools. */
  const routeFor = (model: string) => {
    const byRoute = loopsOf(deps.routes());
    if (byRoute.size === 0) return undefined;
    let route: string;
    try {
      route = deps.router().planForModel(model).name;
    } catch {
      // A model that resolves to nothing is the pipeline's to refuse, as on any other route.
      return undefined;
    }
    const found = byRoute.get(route);
    return found === undefined ? undefined : { name: route, ...found };
  };

  const offer = (context: CompletionContext, input: CompletionInput, route: string, requested: RouteServerTools) =>
    offerServerTools(deps.tools, requested, { route, principal: context.principal, signal: context.abortSignal(), clientTools: input.request.tools });

  /** One step's request: the prompt so far, the client's tools and then the server tools. */
  const stepInput = (input: CompletionInput, messages: readonly ChatMessage[], offered: ServerToolOffer): CompletionInput => ({
    ...input,
    request: { ...input.request, messages: [...messages], tools: [...(input.request.tools ?? []), ...offered.definitions] },
  });

  const exchange = (context: CompletionContext, offered: ServerToolOffer, text: string, calls: readonly ToolCall[]) =>
    runServerCalls(text, calls, {
      tools: offered.tools,
      settings,
      principal: context.principal,
      signal: context.abortSignal(),
      observers: { ...deps.observers, logger: context.log },
    });

  function loop(route: string, requested: RouteServerTools): ChatCompletions {
    return {
      async complete(context, input) {
        const offered = await offer(context, input, route, requested);
        if (offered.tools.size === 0) return deps.completions.complete(context, input);
        const messages = [...input.request.messages];
        let first: CompletedAnswer | undefined;
        let text = "";
        let usage: Usage | undefined;
        for (let step = 1; ; step++) {
          const answer = await deps.completions.complete(context, stepInput(input, messages, offered));
          first ??= answer;
          text += answer.response.text;
          if (answer.response.usage) usage = addUsage(usage, answer.response.usage);
          const next = nextToolStep(answer.response, offered.tools, step >= settings.maxSteps);
          if (next.kind === "answer") {
            // A first answer kept as it is keeps its stored form too.
            if (step === 1 && next.response === answer.response) return answer;
            return { model: first.model, cache: first.cache, cacheScore: first.cacheScore, response: { ...next.response, text, usage } };
          }
          messages.push(...(await exchange(context, offered, answer.response.text, next.calls)));
          const signal = context.abortSignal();
          if (signal.aborted) throw abortErrorFrom(signal);
        }
      },

      async stream(context, input, sink) {
        const offered = await offer(context, input, route, requested);
        if (offered.tools.size === 0) return deps.completions.stream(context, input, sink);
        const signal = context.abortSignal();
        const client = createLoopSink(sink);
        const messages = [...input.request.messages];
        let usage: Usage | undefined;
        for (let step = 1; ; step++) {
          const stepSink = client.step();
          try {
            await deps.completions.stream(context, stepInput(input, messages, offered), stepSink);
          } catch (error) {
            // Before the client's stream opened, a refusal is the request's answer (a status and an error body).
            if (!client.opened()) throw error;
            return client.end({ completed: false, failure: error });
          }
          const end = stepSink.ended() ?? { completed: false, failure: undefined };
          if (!end.completed || signal.aborted) return client.end({ completed: false, failure: end.failure });
          const response = stepSink.response();
          if (response.usage) usage = addUsage(usage, response.usage);
          const next = nextToolStep(response, offered.tools, step >= settings.maxSteps);
          if (next.kind === "answer") return client.finish(next.response, usage);
          // Nothing goes out while the tools run: a keepalive now and then keeps idle-timing proxies from closing.
          const beat = setInterval(() => client.keepalive(), settings.streamKeepaliveMs);
          try {
            messages.push(...(await exchange(context, offered, response.text, next.calls)));
          } finally {
            clearInterval(beat);
          }
          if (signal.aborted) return client.end({ completed: false, failure: undefined });
        }
      },
    };
  }

  return {
    forModel: (model) => routeFor(model)?.completions,
    async checkTools(model, request) {
      const route = routeFor(model);
      if (route === undefined) return;
      await offerServerTools(deps.tools, route.requested, { route: route.name, principal: request.principal, signal: request.signal, clientTools: request.tools });
    },
  };
}
