/**
 * Phone numbers in the forms people write them: international (`+44 20 7946 0958`, `+1-202-555-0173`,
 * `0049 30 1234567`, `(+44) 20 7946 0958`), North American (`(202) 555-0173`, `202.555.0173`, `1-800-555-0199`)
 * and national numbers with a trunk zero (`020 7946 0958`, `06 12 34 56 78`). A run of digits only counts when it
 * has the shape of one of those: dates (`2024-01-15`, `15.01.2024`), versions, IPv4 addresses, order and invoice
 * numbers, amounts and bare digit strings are not phone numbers, even with ten digits. Seven-digit local numbers
 * (`555-0199`) are left alone too: without an area code they look like any other pair of numbers.
 */
import type { TextSpan } from "./textSpan.js";

const CANDIDATE = /(?<![\w+#/.,:-])(?:\(\+|\+)?[\d(][\d ().-]{5,22}\d(?![\w/]|[.,:-]\d)/g;

const INTERNATIONAL = /^(?:\+[1-9]\d{0,2}|00[1-9]\d{0,2}|\(\+[1-9]\d{0,2}\))(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?)(?:[ .-]?\d{1,5}){1,5}$/;
const NORTH_AMERICAN = /^(?:1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}$/;
const NATIONAL = /^(?:\(0\d{1,4}\)|0\d{1,4})(?:[ -]\d{2,8}){1,4}$/;
const DOTTED_NATIONAL = /^0\d(?:\.\d{2}){4}$/;
const DATE = /^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$/;

export function detectPhones(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = trimUnbalanced(match[0]);
    if (raw === undefined || !isPhone(raw)) continue;
    const start = match.index + match[0].indexOf(raw);
    spans.push({ start, end: start + raw.length });
  }
  return spans;
}

function isPhone(raw: string): boolean {
  const digits = raw.replace(/\D/g, "").length;
  if (DATE.test(raw)) return false;
  if (raw.startsWith("+") || raw.startsWith("00") || raw.startsWith("(+")) {
    const significant = raw.startsWith("00") ? digits - 2 : digits;
    return significant >= 8 && significant <= 15 && INTERNATIONAL.test(raw);
  }
  if (NORTH_AMERICAN.test(raw)) return true;
  if (raw.startsWith("0") || raw.startsWith("(0")) {
    return digits >= 9 && digits <= 12 && (NATIONAL.test(raw) || DOTTED_NATIONAL.test(raw));
  }
  return false;
}

/** A candidate with an opening parenthesis but no closing one (or the reverse) loses the stray one, if it is at an end. */
function trimUnbalanced(raw: string): string | undefined {
  let value = raw.trim();
  const opens = (value.match(/\(/g) ?? []).length;
  const closes = (value.match(/\)/g) ?? []).length;
  if (opens === closes) return value;
  if (opens > closes && value.startsWith("(")) value = value.slice(1);
  else if (closes > opens && value.endsWith(")")) value = value.slice(0, -1);
  return (value.match(/\(/g) ?? []).length === (value.match(/\)/g) ?? []).length ? value : undefined;
}
