/**
 * A value worked out once per principal object: what depends only on the config and the principal (its key,
 * user and limit overrides) is built on the principal's first request instead of on every one. Principals are
 * long-lived objects (constants for the local and bootstrap callers, one per API key lookup the authenticator
 * keeps), and one is never changed once made: an edited key comes back as a new principal. A WeakMap, so a
 * principal the authenticator lets go takes its entry with it; one made per request (a JWT's) pays one miss.
 */
import type { Principal } from "../auth/principal.js";

export function perPrincipal<T>(build: (principal: Principal) => T): (principal: Principal) => T {
  const cache = new WeakMap<Principal, T>();
  return (principal) => {
    let value = cache.get(principal);
    if (value === undefined) {
      value = build(principal);
      cache.set(principal, value);
    }
    return value;
  };
}
