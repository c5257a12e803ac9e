import { z } from "zod";

/**
 * What the request log keeps besides the usage ledger's row. Off by default: prompts and answers are the users'
 * data, so keeping them is the operator's decision (and retention.requestBodiesDays bounds how long).
 */
export const requestLogSchema = z
  .object({
    /** Store each chat request's prompt and answer (scrubbed of credentials) for the request detail API. */
    bodies: z.boolean().default(false),
    /** Characters kept of the request's JSON, of the answer, and of each tool call's arguments; longer ones are cut. */
    maxChars: z.number().int().min(256).max(1_048_576).default(32_768),
  })
  .strict();

export type RequestLogConfig = z.infer<typeof requestLogSchema>;
