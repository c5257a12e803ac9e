/**
 * Checks a Switchyard webhook delivery on the receiving side (the README has the same check as a self-contained
 * example for receivers, tested against signWebhook): pass the raw request body as received, before any parsing.
 *
 * True only when the header is well-formed, one of its `v1` signatures is the HMAC-SHA256 of `<t>.<body>` under
 * `secret` (compared in constant time), and `t` is within `toleranceSec` of now, either way: an old delivery
 * replayed, or one stamped far in the future, is refused.
 */
import { timingSafeEqual } from "node:crypto";
import { webhookSignature } from "./signWebhook.js";

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function verifyWebhook(secret: string, header: string | undefined | null, body: string, toleranceSec = 300): boolean {
  if (typeof secret !== "string" || secret === "" || typeof header !== "string" || typeof body !== "string") return false;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(",")) {
    const separator = item.indexOf("=");
    if (separator <= 0) return false;
    const name = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (name === "t") {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return false;
      timestamp = Number(value);
    } else if (name === "v1") {
      if (!HEX_SHA256.test(value)) return false;
      signatures.push(Buffer.from(value, "hex"));
    }
    // Other schemes (a future v2) are ignored, so receivers keep working while both are sent.
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (!Number.isFinite(toleranceSec) || toleranceSec < 0) return false;
  if (Math.abs(Math.floor(Date.now() / 1000) - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), "hex");
  // Every candidate is compared (no early exit), so timing says nothing about which one matched.
  let valid = false;
  for (const signature of signatures) valid = timingSafeEqual(signature, expected) || valid;
  return valid;
}
