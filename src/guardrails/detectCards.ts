/**
 * Payment card numbers: 13 to 19 digits, whole or in the groups cards print (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3)
 * with one kind of separator, starting with an issuer's prefix (Visa, Mastercard, Amex, Discover, JCB, Diners,
 * UnionPay, Maestro) and passing the Luhn check. Most 16-digit numbers that are not cards (order numbers,
 * timestamps, tracking ids) fail the prefix or the check: one in ten random numbers passes Luhn alone.
 */
import type { TextSpan } from "./textSpan.js";

const CANDIDATE = /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d]|[.,-]\d)/g;
const GROUPINGS = new Set(["4-4-4-4", "4-6-5", "4-6-4", "4-4-4-4-3", "4-4-4-1", "4-4-4-2", "4-4-4-4-1", "4-4-4-4-2", "4-4-5", "4-4-4-3"]);
const ISSUER = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6011|64[4-9]|65|35(?:2[89]|[3-8]\d)|3(?:0[0-5]|[689])|62|5[06-9]|6[0-9])/;

/** The Luhn (mod 10) check digit test over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export function detectCards(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = match[0];
    const separators = new Set(raw.replace(/\d/g, ""));
    if (separators.size > 1) continue;
    if (separators.size === 1) {
      const grouping = raw.split(/[ -]/).map((group) => group.length).join("-");
      if (!GROUPINGS.has(grouping)) continue;
    }
    const digits = raw.replace(/\D/g, "");
    if (digits.length < 13 || digits.length > 19 || !ISSUER.test(digits) || !luhnValid(digits)) continue;
    spans.push({ start: match.index, end: match.index + raw.length });
  }
  return spans;
}
