/**
 * An MCP tool's result as a server-side tool's result: its structured content when it sent some (the text beside
 * it is, by the spec, the same thing serialised), else its text content joined (other content named, not
 * inlined: the model gets text). A result the server marked `isError` is the tool's error, its text what the
 * model is told; a result beyond `maxResultBytes` is an error too, not something to cut off mid-sentence.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../errors.js";
import { isRecord } from "../isRecord.js";

/** Characters of an error result passed on to the model. */
const ERROR_EXCERPT = 1000;

type ContentPart = CallToolResult["content"][number];

export function mcpToolResult(result: CallToolResult, limits: { server: string; maxResultBytes: number }): unknown {
  // Servers of the 2024-10 protocol may answer without content; the SDK leaves such an answer as it came.
  const content: readonly ContentPart[] = Array.isArray(result.content) ? result.content : [];
  const text = content.map(textOf).join("\n");
  if (result.isError === true) {
    const said = Array.from(text.trim());
    throw new GatewayError(
      "upstream_error",
      said.length === 0 ? `the tool of the MCP server "${limits.server}" reported an error` : said.slice(0, ERROR_EXCERPT).join("") + (said.length > ERROR_EXCERPT ? "…" : ""),
    );
  }
  const value: unknown = isRecord(result.structuredContent) ? result.structuredContent : text;
  const bytes = Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));
  if (bytes > limits.maxResultBytes) throw new GatewayError("upstream_error", `the tool's result is larger than ${limits.maxResultBytes} bytes`);
  return value;
}

function textOf(part: ContentPart): string {
  switch (part.type) {
    case "text":
      return part.text;
    case "image":
    case "audio":
      return `[${part.type} ${part.mimeType} left out]`;
    case "resource":
      return "text" in part.resource ? part.resource.text : `[resource ${part.resource.uri} left out]`;
    case "resource_link":
      return `[resource link ${part.uri}]`;
  }
}
