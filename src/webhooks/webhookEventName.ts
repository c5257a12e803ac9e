import type { webhookEvents } from "../config/securitySchema.js";

/** The events a webhook subscription can ask for. */
export type WebhookEventName = (typeof webhookEvents)[number];
