/**
 * What a chunk's vector is computed from: the document's title and the chunk's headings above its text, so a
 * chunk deep in a section still carries what the section is about. Ingestion and re-embedding use the same text.
 */
export function chunkEmbeddingText(title: string, headingPath: string, text: string): string {
  return [title, headingPath, text].filter((part) => part.trim() !== "").join("\n");
}
