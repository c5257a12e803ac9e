/**
 * Feature flags at the HTTP edge: a switched-off feature's routes answer 404 not_found naming the flag. The flags
 * are read per request, so a configuration reload turns a feature on or off without a restart.
 */
import type { FastifyInstance } from "fastify";
import type { FeaturesConfig } from "../config/operationsSchema.js";
import { GatewayError } from "../errors.js";

const gated: ReadonlyArray<{ prefix: string; flag: keyof FeaturesConfig }> = [
  { prefix: "/api/v2/chat/", flag: "sessionApi" },
  { prefix: "/api/v2/ab", flag: "experiments" },
  { prefix: "/openapi.json", flag: "apiDocs" },
  { prefix: "/docs", flag: "apiDocs" },
];

export function featureGates(app: FastifyInstance, features: () => Readonly<FeaturesConfig>): void {
  app.addHook("onRequest", (request, _reply, done) => {
    const route = request.routeOptions.url;
    const gate = route === undefined ? undefined : gated.find((entry) => route.startsWith(entry.prefix));
    if (gate && !features()[gate.flag]) {
      done(new GatewayError("not_found", `this feature is switched off (features.${gate.flag})`));
      return;
    }
    done();
  });
}
