/**
 * Which limits apply to a principal: per key (when it used one) and per user, for the route's class. A key's own
 * rpm/tpm replace the per-key chat values. A limit of 0 is no limit, so it yields no rule.
 */
import type { Principal, RouteClass } from "../auth/principal.js";
import type { RateLimitsConfig } from "../config/securitySchema.js";

export type LimitUnit = "requests" | "tokens";

export interface LimitRule {
  /** The counter this rule reads, e.g. `rpm:chat:key`. */
  counter: string;
  /** Whose points: the key id or the user id. */
  subject: string;
  scope: "key" | "user";
  unit: LimitUnit;
  /** Points per window. */
  limit: number;
}

export function requestRules(config: RateLimitsConfig, principal: Principal, routeClass: RouteClass): LimitRule[] {
  const keyOverride = routeClass === "chat" ? principal.limits?.rpm : undefined;
  return rulesOf(config, principal, "requests", routeClass, config.perKey[routeClass].rpm, keyOverride, config.perUser[routeClass].rpm);
}

/** Tokens are limited on the chat class only: nothing else spends them. */
export function tokenRules(config: RateLimitsConfig, principal: Principal): LimitRule[] {
  return rulesOf(config, principal, "tokens", "chat", config.perKey.chat.tpm, principal.limits?.tpm, config.perUser.chat.tpm);
}

function rulesOf(
  config: RateLimitsConfig,
  principal: Principal,
  unit: LimitUnit,
  routeClass: RouteClass,
  perKey: number,
  keyOverride: number | undefined,
  perUser: number,
): LimitRule[] {
  if (!config.enabled) return [];
  const prefix = `${unit === "requests" ? "rpm" : "tpm"}:${routeClass}`;
  const rules: LimitRule[] = [];
  if (principal.keyId !== undefined) {
    rules.push({ counter: `${prefix}:key`, subject: principal.keyId, scope: "key", unit, limit: keyOverride ?? perKey });
  }
  rules.push({ counter: `${prefix}:user`, subject: principal.userId, scope: "user", unit, limit: perUser });
  return rules.filter((rule) => rule.limit > 0);
}
