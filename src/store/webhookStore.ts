/**
 * Webhook subscriptions made through the admin API (configuration ones live in the config file) and the record
 * of every delivery and its attempts. Secrets are stored because each delivery is signed with one; this store
 * hands them out only to the dispatcher, and the HTTP layer never returns them after creation.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { DeliveryStatus, WebhookDeliveryRow, WebhookSubscriptionRow } from "./webhookTables.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { systemClock, type Clock } from "./clock.js";

export type { DeliveryStatus };

export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
  events: string[];
  createdAt: number;
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface DeliveryAttempt {
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
}

export interface WebhookStore {
  createSubscription(input: { url: string; secret: string; events: readonly string[] }): Promise<WebhookSubscription>;
  /** Oldest first. */
  listSubscriptions(): Promise<WebhookSubscription[]>;
  getSubscription(id: string): Promise<WebhookSubscription | undefined>;
  /** False when there was no such subscription. */
  deleteSubscription(id: string): Promise<boolean>;
  createDelivery(input: { id?: string; subscriptionId: string; event: string; payload: string }): Promise<WebhookDelivery>;
  recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
  /** Newest first; keyset pagination with an opaque cursor. */
  listDeliveries(
    filter: { subscriptionId?: string | undefined; status?: DeliveryStatus | undefined },
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }>;
}

const CURSOR_KIND = "delivery";
type DeliveryKey = readonly [createdAt: number, id: string];
const isDeliveryKey = (parts: readonly unknown[]): parts is DeliveryKey =>
  parts.length === 2 && Number.isSafeInteger(parts[0]) && typeof parts[1] === "string";

export function createWebhookStore(db: Kysely<Database>, options: { now?: Clock } = {}): WebhookStore {
  const now = options.now ?? systemClock;

  return {
    async createSubscription(input) {
      const row: WebhookSubscriptionRow = {
        id: randomUUID(),
        url: input.url,
        secret: input.secret,
        events: JSON.stringify([...input.events]),
        created_at: now(),
      };
      await db.insertInto("webhook_subscriptions").values(row).execute();
      return toSubscription(row);
    },

    async listSubscriptions() {
      const rows = await db.selectFrom("webhook_subscriptions").selectAll().orderBy("created_at", "asc").orderBy("id", "asc").execute();
      return rows.map(toSubscription);
    },

    async getSubscription(id) {
      const row = await db.selectFrom("webhook_subscriptions").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toSubscription(row);
    },

    async deleteSubscription(id) {
      const result = await db.deleteFrom("webhook_subscriptions").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async createDelivery(input) {
      const row: WebhookDeliveryRow = {
        id: input.id ?? randomUUID(),
        subscription_id: input.subscriptionId,
        event: input.event,
        payload: input.payload,
        status: "pending",
        attempts: 0,
        last_status: null,
        last_error: null,
        next_attempt_at: null,
        created_at: now(),
        delivered_at: null,
      };
      await db.insertInto("webhook_deliveries").values(row).execute();
      return toDelivery(row);
    },

    async recordAttempt(id, attempt) {
      await db
        .updateTable("webhook_deliveries")
        .set({
          status: attempt.status,
          attempts: attempt.attempts,
          last_status: attempt.lastStatus,
          // Receivers' error text is theirs; keep the record bounded.
          last_error: attempt.lastError === null ? null : attempt.lastError.slice(0, 500),
          next_attempt_at: attempt.nextAttemptAt,
          delivered_at: attempt.deliveredAt,
        })
        .where("id", "=", id)
        .execute();
    },

    async listDeliveries(filter, page) {
      assertLimit(page.limit, 1);
      const after = page.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, page.cursor, isDeliveryKey);
      let query = db.selectFrom("webhook_deliveries").selectAll();
      if (filter.subscriptionId !== undefined) query = query.where("subscription_id", "=", filter.subscriptionId);
      if (filter.status !== undefined) query = query.where("status", "=", filter.status);
      if (after !== undefined) {
        const [createdAt, id] = after;
        // The plain bound is implied by the OR; it is there so planners seek to the cursor (see sessions.list).
        query = query
          .where("created_at", "<=", createdAt)
          .where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)])]));
      }
      const rows = await query
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, toDelivery, CURSOR_KIND, (delivery) => [delivery.createdAt, delivery.id]);
    },
  };
}

function toSubscription(row: WebhookSubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    secret: row.secret,
    // Written only by this store, from a string array.
    events: JSON.parse(row.events) as string[],
    createdAt: Number(row.created_at),
  };
}

function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    event: row.event,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}
