import { hash } from "node:crypto";

/**
 * sha256 hex of the whole key, the only form in which keys are stored. A fast hash is the right one here: keys are
 * 256 random bits, so there is no dictionary to try, and a password hash (bcrypt, scrypt) would only add latency
 * to every request. It also makes the hash usable as a unique, indexed lookup value.
 */
export function hashApiKey(key: string): string {
  // The one-shot form: no Hash object per request.
  return hash("sha256", key, "hex");
}
