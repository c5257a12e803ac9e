/**
 * The personal-data entities the `pii` rule knows, and the placeholder each match becomes when a rule masks it.
 */
export const PII_ENTITIES = ["email", "phone", "card", "iban", "secret", "ip"] as const;

export type PiiEntity = (typeof PII_ENTITIES)[number];

export const piiPlaceholders: Readonly<Record<PiiEntity, string>> = {
  email: "[EMAIL]",
  phone: "[PHONE]",
  card: "[CARD]",
  iban: "[IBAN]",
  secret: "[SECRET]",
  ip: "[IP]",
};
