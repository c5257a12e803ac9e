/**
 * Feature flags at the HTTP edge: a switched-off feature's routes answer 404 not_found naming the flag. Which
 * flag gates a route is known when the route is added; the flag itself is read per request, so a configuration
 * reload turns a feature on or off without a restart.
 */
import type { FeaturesConfig } from "../config/operationsSchema.js";
import { GatewayError } from "../errors.js";
import type { RequestStep } from "./authentication.js";

const gated: ReadonlyArray<{ prefix: string; flag: keyof FeaturesConfig }> = [
  { prefix: "/api/v2/chat/", flag: "sessionApi" },
  { prefix: "/api/v2/ab", flag: "experiments" },
  { prefix: "/openapi.json", flag: "apiDocs" },
  { prefix: "/docs", flag: "apiDocs" },
  { prefix: "/console", flag: "console" },
  { prefix: "/api/v2/console/", flag: "console" },
  { prefix: "/mcp", flag: "mcp" },
];

/** The step for a route at this URL, or undefined when no flag gates it. */
export function featureGateStep(url: string, features: () => Readonly<FeaturesConfig>): RequestStep | undefined {
  const gate = gated.find((entry) => url.startsWith(entry.prefix));
  if (gate === undefined) return undefined;
  const { flag } = gate;
  return () => {
    if (!features()[flag]) throw new GatewayError("not_found", `this feature is switched off (features.${flag})`);
  };
}
