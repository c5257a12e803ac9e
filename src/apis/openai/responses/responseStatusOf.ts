import type { FinishReason } from "../../../engines/spec.js";

export interface ResponseStatus {
  status: "completed" | "incomplete";
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
}

/** A response cut by the token limit or by a content filter is `incomplete`, saying which; any other end is complete. */
export function responseStatusOf(reason: FinishReason | undefined): ResponseStatus {
  switch (reason) {
    case "length":
      return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
    case "content_filter":
      return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
    case "stop":
    case "tool_calls":
    case "function_call":
    case undefined:
      return { status: "completed", incomplete_details: null };
  }
}
