/**
 * Email addresses: a dot-atom local part, `@`, and a domain of at least two labels ending in a letters-only
 * top-level domain. Look-alikes are left alone: `user@localhost` (no dot), `name@host` (one label), `a@b.c`
 * (one-letter TLD), `@handle`, and asset names such as `icon@2x.png`, whose "TLD" is a file extension.
 */
import type { TextSpan } from "./textSpan.js";

// The local part may not start or end with a dot; consecutive dots are checked below (a regex for it is slow).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g;

// File extensions that parse as a TLD but are not delegated ones (`logo@2x.png`, `bundle@1.2.js`).
const FILE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "pdf", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css", "scss", "json", "yaml", "yml", "txt", "md", "html", "htm", "xml", "csv", "zip", "gz", "tgz", "mp3", "mp4", "wav", "mov", "log"]);

export function detectEmails(text: string): TextSpan[] {
  if (!text.includes("@")) return [];
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(EMAIL)) {
    const [whole, domain = "", tld = ""] = match;
    if (FILE_EXTENSIONS.has(tld.toLowerCase())) continue;
    const local = whole.slice(0, whole.length - domain.length - 1);
    if (local.includes("..") || domain.length > 253) continue;
    spans.push({ start: match.index, end: match.index + whole.length });
  }
  return spans;
}
