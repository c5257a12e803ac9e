/**
 * The guardrails seam, built once in main.ts: the configured rules compiled, and for each request the guard its
 * rules make (`guardrails.apply`, then its route's, then its API key's, each rule once). A request no rule applies
 * to gets no guard at all, so it pays one map lookup and its stream is not wrapped. Guards are made once per
 * combination of route and key and kept; a reload compiles the new configuration and starts over.
 */
import { Agent } from "undici";
import type { Principal } from "../auth/principal.js";
import type { GuardrailsConfig } from "../config/guardrailsSchema.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { UsageRecord } from "../store/usageLedger.js";
import { compileRule } from "./compileRule.js";
import { createRequestGuard, type RequestGuard } from "./createRequestGuard.js";
import type { GuardrailRule } from "./guardrailRule.js";
import { createVerdictRecorder } from "./recordVerdict.js";

export interface GuardrailsSettings {
  guardrails: GuardrailsConfig;
  routes: ReadonlyArray<{ name: string; guardrails?: readonly string[] | undefined }>;
}

export interface GuardrailsDeps {
  metrics?: Metrics | undefined;
  /** Where a refused request's `rejected` ledger row goes. */
  ledger: { write(record: UsageRecord): void };
}

export interface Guardrails {
  /**
   * The guard of a request by this caller on this route; undefined when no rule applies. `route` is asked for only
   * when some route has rules of its own.
   */
  forRequest(principal: Principal, route: () => string): RequestGuard | undefined;
  /** Applies a reloaded configuration's rules; requests under way keep the guard they started with. */
  reload(settings: GuardrailsSettings): void;
  /** Closes the webhook rules' connections. */
  close(): Promise<void>;
}

interface Compiled {
  rules: ReadonlyMap<string, GuardrailRule>;
  apply: readonly string[];
  byRoute: ReadonlyMap<string, readonly string[]>;
  byKey: ReadonlyMap<string, readonly string[]>;
  /** Guards by route and key id ("" where they add no rules); null: no rule applies. */
  guards: Map<string, RequestGuard | null>;
}

export function createGuardrails(settings: GuardrailsSettings, deps: GuardrailsDeps): Guardrails {
  // One pool for every webhook rule; connections are kept alive between a request's checks.
  const agent = new Agent({ keepAliveTimeout: 5_000, connections: 32 });
  const record = createVerdictRecorder(deps.metrics);
  const reject = (row: UsageRecord) => deps.ledger.write(row);

  const compile = (next: GuardrailsSettings): Compiled => {
    const config = next.guardrails;
    return {
      rules: new Map(config.rules.map((rule) => [rule.name, compileRule(rule, agent)])),
      apply: config.apply,
      byRoute: new Map(next.routes.flatMap((route) => (route.guardrails && route.guardrails.length > 0 ? [[route.name, route.guardrails] as const] : []))),
      byKey: new Map(Object.entries(config.keys)),
      guards: new Map(),
    };
  };
  let stream = settings.guardrails.stream;
  let current = compile(settings);

  return {
    forRequest(principal, route) {
      const state = current;
      if (state.rules.size === 0) return undefined;
      const keyId = principal.keyId;
      const keyRules = keyId === undefined ? undefined : state.byKey.get(keyId);
      const routeName = state.byRoute.size === 0 ? "" : route();
      const routeRules = state.byRoute.get(routeName);
      const cacheKey = `${routeRules === undefined ? "" : routeName}\u0000${keyRules === undefined ? "" : (keyId as string)}`;
      let guard = state.guards.get(cacheKey);
      if (guard === undefined) {
        const names = [...new Set([...state.apply, ...(routeRules ?? []), ...(keyRules ?? [])])];
        const rules = names.flatMap((name) => {
          const rule = state.rules.get(name);
          return rule === undefined ? [] : [rule];
        });
        guard = rules.length === 0 ? null : createRequestGuard(rules, { record, reject, stream });
        state.guards.set(cacheKey, guard);
      }
      return guard ?? undefined;
    },
    reload(next) {
      stream = next.guardrails.stream;
      current = compile(next);
    },
    close: () => agent.close(),
  };
}
