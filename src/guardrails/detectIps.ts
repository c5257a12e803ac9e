/**
 * IP addresses: dotted-quad IPv4 with every octet 0–255 and no leading zeros, not part of a longer dotted run
 * (`1.2.3.4.5` is a version, `999.1.1.1` no address) nor introduced as a version or a heading (`v1.2.3.4`,
 * `version 10.0.0.1`, `section 1.1.1.1`);
 * and IPv6 in any of its forms (compressed, with an embedded IPv4 tail), as node:net validates it, which leaves out
 * times (`12:30:45`), MAC addresses and C++ scopes (`std::vector`).
 */
import { isIPv6 } from "node:net";
import { outermostSpans } from "./outermostSpans.js";
import type { TextSpan } from "./textSpan.js";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, "g");
// Numbered versions and headings are written like addresses: what precedes the number says which it is.
const NUMBERED_BEFORE = /(?:\bversion|\bver\.?|\brelease|\bbuild|\bv|\bsection|\bchapter|\bclause|\bstep|\bfigure|\btable|§)\s*$/i;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|:)(?:[0-9A-Fa-f]{0,4}:){1,7}(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|[0-9A-Fa-f]{0,4})(?![\w:])/g;

export function detectIps(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  if (text.includes(".")) {
    for (const match of text.matchAll(IPV4)) {
      if (NUMBERED_BEFORE.test(text.slice(Math.max(0, match.index - 12), match.index))) continue;
      spans.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  if (text.includes(":")) {
    for (const match of text.matchAll(IPV6)) {
      const candidate = match[0];
      // `::` alone is valid IPv6 but far more often punctuation; an address has at least one hex digit.
      if (!/[0-9A-Fa-f]/.test(candidate) || !isIPv6(candidate)) continue;
      spans.push({ start: match.index, end: match.index + candidate.length });
    }
  }
  // An IPv6 address's embedded IPv4 tail is part of it, not a second address.
  return outermostSpans(spans);
}
