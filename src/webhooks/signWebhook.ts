/**
 * The signature every webhook delivery carries: `X-Switchyard-Signature: t=<unix seconds>,v1=<hex>`, where
 * v1 is HMAC-SHA256 over `<t>.<body>` with the subscription's secret. Signing the timestamp with the body lets a
 * receiver refuse replays of an old delivery (see verifyWebhook).
 */
import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = "x-switchyard-signature";

export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampSec}.${body}`, "utf8").digest("hex");
}

/** The header value for `body`, signed at `timestampSec` (default: now). */
export function signWebhook(secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSec},v1=${webhookSignature(secret, timestampSec, body)}`;
}
