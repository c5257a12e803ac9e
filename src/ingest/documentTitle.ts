/**
 * A title for a file being ingested: its first heading (markdown `#` lines, HTML `<title>` or `<h1>`–`<h6>`), else
 * the file name without its extension. Titles are capped at the store's 500 characters.
 */
import { basename, extname } from "node:path";
import type { DocumentFormat } from "../documents/prepareDocument.js";
import { decodeEntities } from "../documents/htmlBlocks.js";

const MAX_TITLE = 500;

export function documentTitle(content: string, format: DocumentFormat, path: string): string {
  const heading = format === "markdown" ? markdownHeading(content) : format === "html" ? htmlHeading(content) : undefined;
  const title = heading !== undefined && heading !== "" ? heading : basename(path, extname(path));
  return title.slice(0, MAX_TITLE);
}

function markdownHeading(content: string): string | undefined {
  let fenced = false;
  for (const line of content.split(/\r?\n/)) {
    // A `#` inside a code block is a comment, not a heading.
    if (/^\s{0,3}(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const match = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

function htmlHeading(content: string): string | undefined {
  const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(content) ?? /<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/i.exec(content);
  if (match?.[1] === undefined) return undefined;
  return decodeEntities(match[1].replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim();
}
