/**
 * Turns submitted content into what the store keeps: chunks (with heading paths), an excerpt of the body and the
 * content hash. Pure and synchronous: the same content and options always give the same chunks.
 */
import { createHash } from "node:crypto";
import { chunkBlocks, type Chunk, type ChunkOptions } from "./chunkBlocks.js";
import { htmlBlocks } from "./htmlBlocks.js";
import { markdownBlocks, type Block } from "./markdownBlocks.js";

export type DocumentFormat = "markdown" | "html" | "text";

export const documentFormats: readonly DocumentFormat[] = ["markdown", "html", "text"];

export interface PreparedDocument {
  chunks: Chunk[];
  excerpt: string;
  contentHash: string;
}

export function prepareDocument(content: string, format: DocumentFormat, options: ChunkOptions & { excerptChars: number }): PreparedDocument {
  const blocks = blocksOf(content, format);
  const body = blocks
    .filter((block) => block.kind === "paragraph")
    .map((block) => block.text)
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  let chunks = chunkBlocks(blocks, options);
  // Only headings and no body: the headings are what there is to find.
  if (chunks.length === 0) {
    const text = blocks.map((block) => block.text).join("\n");
    chunks = chunkBlocks(text.trim() === "" ? [] : [{ kind: "paragraph", text }], options);
  }
  return {
    chunks,
    excerpt: excerptOf(body === "" ? blocks.map((block) => block.text).join(" ") : body, options.excerptChars),
    contentHash: createHash("sha256").update(content).digest("hex"),
  };
}

function blocksOf(content: string, format: DocumentFormat): Block[] {
  if (format === "html") return htmlBlocks(content);
  return markdownBlocks(content, { headings: format === "markdown" });
}

/** The first `chars` characters, cut back to a word boundary when one is near, with an ellipsis when cut. */
function excerptOf(body: string, chars: number): string {
  const characters = [...body];
  if (characters.length <= chars) return body;
  const cut = characters.slice(0, chars).join("");
  const space = cut.lastIndexOf(" ");
  return `${space > chars * 0.6 ? cut.slice(0, space) : cut}…`;
}
