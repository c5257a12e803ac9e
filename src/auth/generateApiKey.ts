import { randomBytes } from "node:crypto";

/** Every Switchyard API key starts with this, so a leaked one is recognisable (and secret scanners can match it). */
export const API_KEY_PREFIX = "sy-";

/** Characters of a key shown in listings: the prefix and a few more, enough to tell keys apart, useless to guess with. */
export const DISPLAY_PREFIX_LENGTH = 10;

/** `sy-` and 43 base64url characters: 32 random bytes, 256 bits, so no key can be guessed or brute-forced. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
}
