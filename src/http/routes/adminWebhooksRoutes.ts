/**
 * Webhook subscriptions (`/api/v2/admin/webhooks`) and the delivery record. Subscriptions from the configuration
 * file are listed (as `config:<n>`) but changed only in the file. A subscription's secret is returned once, by
 * the request that created it, and never again.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { webhookEvents, type WebhookConfig } from "../../config/securitySchema.js";
import type { DeliveryStatus, WebhookDelivery, WebhookStore } from "../../store/webhookStore.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";

const eventName = Type.Unsafe<string>({ type: "string", enum: [...webhookEvents] });
const createBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    events: Type.Array(eventName, { minItems: 1, maxItems: webhookEvents.length, uniqueItems: true }),
    /** Optional: one is generated when left out. */
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const deliveryStatus = Type.Unsafe<DeliveryStatus>({ type: "string", enum: ["pending", "delivered", "failed"] });
const deliveriesQuery = Type.Object(
  { ...pageQuery.properties, subscriptionId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), status: Type.Optional(deliveryStatus) },
  { additionalProperties: false },
);

const tags = ["webhooks"];
const createSchema = {
  tags,
  summary: "Subscribe to events",
  description: "Answers 201; the secret (generated when left out) appears in this response only.",
  body: createBody,
};
const listSchema = { tags, summary: "List subscriptions", description: "Those from the configuration file appear as `config:<n>`." };
const deleteSchema = {
  tags,
  summary: "Delete a subscription",
  description: "Answers 204. Those from the configuration file are changed there.",
  params: idParams,
};
const deliveriesSchema = {
  tags,
  summary: "List deliveries",
  description: "Each delivery's status, attempts, last HTTP status and error.",
  querystring: deliveriesQuery,
};

export interface AdminWebhooksRouteDeps {
  webhooks: WebhookStore;
  configured: readonly WebhookConfig[];
}

export function adminWebhooksRoutes(app: FastifyInstance, deps: AdminWebhooksRouteDeps): void {
  app.post("/api/v2/admin/webhooks", { config: { policy: "admin" }, schema: createSchema }, async (request, reply) => {
    const body = request.body as Static<typeof createBody>;
    const secret = body.secret ?? `whsec_${randomBytes(32).toString("base64url")}`;
    const created = await guardStore(() => deps.webhooks.createSubscription({ url: checkedUrl(body.url), secret, events: body.events }));
    return reply.code(201).send({ id: created.id, url: created.url, events: created.events, createdAt: iso(created.createdAt), source: "api", secret });
  });

  app.get("/api/v2/admin/webhooks", { config: { policy: "admin" }, schema: listSchema }, async () => {
    const stored = await guardStore(() => deps.webhooks.listSubscriptions());
    return {
      data: [
        ...deps.configured.map((config, index) => ({ id: `config:${index}`, url: config.url, events: config.events, createdAt: null, source: "config" })),
        ...stored.map((s) => ({ id: s.id, url: s.url, events: s.events, createdAt: iso(s.createdAt), source: "api" })),
      ],
    };
  });

  app.delete("/api/v2/admin/webhooks/:id", { config: { policy: "admin" }, schema: deleteSchema }, async (request, reply) => {
    const { id } = request.params as Static<typeof idParams>;
    if (id.startsWith("config:")) {
      throw new GatewayError("invalid_request", "this subscription comes from the configuration file; remove it there", { param: "id" });
    }
    if (!(await guardStore(() => deps.webhooks.deleteSubscription(id)))) throw new GatewayError("not_found", `webhook subscription ${id} not found`);
    return reply.code(204).send();
  });

  app.get("/api/v2/admin/webhooks/deliveries", { config: { policy: "admin" }, schema: deliveriesSchema }, async (request) => {
    const query = request.query as Static<typeof deliveriesQuery>;
    const result = await guardStore(() =>
      deps.webhooks.listDeliveries({ subscriptionId: query.subscriptionId, status: query.status }, parsePageQuery(query)),
    );
    return { data: result.items.map(deliveryView), nextCursor: result.nextCursor };
  });
}

function checkedUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatewayError("invalid_request", "url must be an absolute http or https URL", { param: "url" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new GatewayError("invalid_request", "url must use http or https", { param: "url" });
  if (url.username !== "" || url.password !== "") throw new GatewayError("invalid_request", "url must not carry credentials; the signature authenticates deliveries", { param: "url" });
  return url.toString();
}

function deliveryView(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    subscriptionId: delivery.subscriptionId,
    event: delivery.event,
    // Stored as the exact JSON sent; parsed back so clients get an object, not a string to parse again.
    payload: JSON.parse(delivery.payload) as unknown,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.nextAttemptAt === null ? null : iso(delivery.nextAttemptAt),
    createdAt: iso(delivery.createdAt),
    deliveredAt: delivery.deliveredAt === null ? null : iso(delivery.deliveredAt),
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
