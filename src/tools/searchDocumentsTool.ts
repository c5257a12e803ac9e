/**
 * Built-in `search_documents`: the Retriever, as the caller (its access level) and within the turn's project, so
 * the model can look things up itself; without a project it searches every project the caller may read, as
 * GET /api/v2/search does.
 */
import type { Retriever } from "../documents/createRetriever.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";
import type { ServerTool } from "./serverTool.js";

const DEFAULT_TOP_K = 5;

export function searchDocumentsTool(retriever: Retriever): ServerTool {
  return {
    name: "search_documents",
    description:
      "Full-text search over the documents of this conversation's project. Returns the best matching passages, each with " +
      "its document id, title, heading path, a relevance score (the best match scores 1) and its text.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", minLength: 1, maxLength: 1000, description: "What to look for, in keywords." },
        topK: { type: "integer", minimum: 1, maximum: 20, description: `How many passages to return (default ${DEFAULT_TOP_K}).` },
      },
      required: ["query"],
      additionalProperties: false,
    },
    async run(args, context) {
      try {
        const results = await retriever.search(
          context.viewer,
          { q: String(args.query), projectId: context.projectId, topK: typeof args.topK === "number" ? args.topK : DEFAULT_TOP_K, threshold: 0, expand: 0 },
          context.signal,
        );
        return results.map(({ documentId, title, chunkId, headingPath, score, text }) => ({ documentId, title, chunkId, headingPath, score, text }));
      } catch (error) {
        if (isAbortError(error) || isGatewayError(error)) throw error;
        throw new GatewayError("store_unavailable", "document search is unavailable right now", { cause: error });
      }
    },
  };
}
