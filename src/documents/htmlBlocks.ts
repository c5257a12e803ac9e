/**
 * HTML to the blocks chunking works on: headings start sections, block
 * elements become paragraph breaks, everything else is dropped with its markup. A tag stripper, not a renderer:
 * the result is only ever indexed and returned as text (JSON strings), never served as HTML, so there is no markup
 * to sanitize for a browser — only text to keep. Script, style and other non-content elements are removed with
 * their content. A full HTML parser would buy nothing here that this does not.
 */
import type { Block } from "./markdownBlocks.js";

// Marks a heading line; removed from the input first, so content can never forge one.
const MARK = "\u0000";

const DROPPED = ["script", "style", "head", "noscript", "template", "svg", "iframe", "object"];
const BLOCK = /^(p|div|section|article|main|header|footer|aside|nav|ul|ol|table|thead|tbody|tr|pre|blockquote|figure|figcaption|dl|dt|dd|hr|br|form|fieldset|details|summary|address)$/i;
// A tag with quoted attributes that may contain ">"; unambiguous alternatives, so no runaway backtracking.
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;

const NAMED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  copy: "©",
  reg: "®",
  laquo: "«",
  raquo: "»",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

export function htmlBlocks(html: string): Block[] {
  let text = html.replaceAll(MARK, "").replace(/<!--[\s\S]*?-->/g, " ").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, " ").replace(/<!DOCTYPE[^>]*>/gi, " ");
  for (const name of DROPPED) {
    text = text.replace(new RegExp(`<${name}\\b(?:[^>"']|"[^"]*"|'[^']*')*>[\\s\\S]*?</${name}\\s*>`, "gi"), " ");
  }
  // Headings first, with their inner markup removed, so they survive as one line each.
  text = text.replace(/<h([1-6])\b(?:[^>"']|"[^"]*"|'[^']*')*>([\s\S]*?)<\/h\1\s*>/gi, (_, level: string, inner: string) => {
    const heading = collapse(inner.replace(TAG, " "));
    return heading === "" ? "\n\n" : `\n\n${MARK}${level}${heading}\n\n`;
  });
  text = text.replace(TAG, (_, _closing: string, name: string) => {
    if (/^li$/i.test(name)) return "\n\n";
    if (BLOCK.test(name) || /^(td|th)$/i.test(name)) return /^(td|th)$/i.test(name) ? " " : "\n\n";
    return "";
  });
  const blocks: Block[] = [];
  for (const raw of decodeEntities(text).split(/\n\s*\n/)) {
    const part = raw.trim();
    if (part.startsWith(MARK)) {
      blocks.push({ kind: "heading", level: Number(part[1]), text: collapse(part.slice(2)) });
      continue;
    }
    const paragraph = collapse(part);
    if (paragraph !== "") blocks.push({ kind: "paragraph", text: paragraph });
  }
  return blocks;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, entity: string) => {
    if (entity.startsWith("#")) {
      const code = entity[1] === "x" || entity[1] === "X" ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : " ";
    }
    return NAMED[entity.toLowerCase()] ?? whole;
  });
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
