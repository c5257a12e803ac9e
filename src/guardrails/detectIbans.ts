/**
 * International bank account numbers: a country code the IBAN registry lists, two check digits and the country's
 * exact length of letters and digits, whole or in groups of four (spaces or dashes), in either case, passing the
 * ISO 7064 mod-97 check. A code that merely looks like one (a product code, a wrong check digit, a German IBAN one
 * digit short) is not taken.
 */
import type { TextSpan } from "./textSpan.js";

// Total lengths by country (SWIFT IBAN registry).
const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

const START = /(?<![A-Za-z0-9])([A-Za-z]{2})\d{2}/g;

/** The mod-97 check over an IBAN without spaces: the first four characters moved to the end, letters as 10–35. */
export function ibanValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

export function detectIbans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(START)) {
    const length = LENGTHS[(match[1] ?? "").toUpperCase()];
    if (length === undefined) continue;
    const end = readAccount(text, match.index, length);
    if (end === undefined) continue;
    const compact = text.slice(match.index, end).replace(/[ -]/g, "").toUpperCase();
    if (ibanValid(compact)) spans.push({ start: match.index, end });
  }
  return spans;
}

/**
 * The end of `length` letters and digits from `start`, with one separator (the one after the first group of four,
 * a space or a dash) allowed between groups of four and nowhere else; undefined when the characters run out early
 * or the account runs on.
 */
function readAccount(text: string, start: number, length: number): number | undefined {
  let count = 0;
  let i = start;
  const separator = text[start + 4] === " " || text[start + 4] === "-" ? text[start + 4] : undefined;
  while (count < length) {
    const char = text[i];
    if (char === undefined) return undefined;
    if (char === separator) {
      if (count % 4 !== 0 || text[i - 1] === separator) return undefined;
      i++;
      continue;
    }
    if (!/[A-Za-z0-9]/.test(char)) return undefined;
    count++;
    i++;
  }
  const next = text[i];
  return next !== undefined && /[A-Za-z0-9]/.test(next) ? undefined : i;
}
