/** Webhook subscriptions made through the admin API, and every delivery (migration 005). */
import type { Selectable } from "kysely";

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  /** The HMAC signing secret: kept to sign deliveries, never returned after creation. */
  secret: string;
  /** JSON text of the event names. */
  events: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  /** A stored subscription's id, or `config:<index>` for one from the configuration file. */
  subscription_id: string;
  event: string;
  /** The JSON body sent (without the signature, which changes with every attempt). */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
