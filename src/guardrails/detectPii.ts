/**
 * The `pii` rule's detectors by entity, and one detector over a chosen set of them.
 */
import { detectCards } from "./detectCards.js";
import { detectEmails } from "./detectEmails.js";
import { detectIbans } from "./detectIbans.js";
import { detectIps } from "./detectIps.js";
import { detectPhones } from "./detectPhones.js";
import { detectSecrets } from "./detectSecrets.js";
import type { PiiEntity } from "./piiEntities.js";
import type { TextSpan } from "./textSpan.js";

export const piiDetectors: Readonly<Record<PiiEntity, (text: string) => TextSpan[]>> = {
  email: detectEmails,
  phone: detectPhones,
  card: detectCards,
  iban: detectIbans,
  secret: detectSecrets,
  ip: detectIps,
};

export interface PiiSpan extends TextSpan {
  entity: PiiEntity;
}

export function detectPii(text: string, entities: readonly PiiEntity[]): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const entity of entities) for (const span of piiDetectors[entity](text)) spans.push({ ...span, entity });
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}
