/**
 * Documents for retrieval: how they are cut into chunks and how large one may be.
 */
import { z } from "zod";

export const documentsSchema = z
  .object({
    /** Target size of a chunk, in estimated tokens (about four UTF-8 bytes each). */
    chunkTokens: z.number().int().min(16).max(8192).default(256),
    /** Tokens of the previous chunk repeated at the start of the next, so a sentence cut in two is found whole. */
    overlapTokens: z.number().int().min(0).default(32),
    /** Largest document content accepted (UTF-8 bytes); a larger one is refused with 413. */
    maxBytes: z.number().int().positive().default(1_048_576),
    /** Characters of the body kept as the document's excerpt (shown for referenced and citing documents). */
    excerptChars: z.number().int().min(16).max(4000).default(300),
  })
  .strict()
  .refine((documents) => documents.overlapTokens < documents.chunkTokens, {
    path: ["overlapTokens"],
    message: "overlapTokens must be smaller than chunkTokens",
  });

export type DocumentsConfig = z.infer<typeof documentsSchema>;
