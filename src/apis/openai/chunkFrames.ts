/**
 * Engine parts as OpenAI `chat.completion.chunk` payloads. Each chunk is assembled from a prefix built once per
 * response, so a streamed part costs one string concatenation and the JSON of its own text.
 */
import type { FinishReason, StreamPart, Usage } from "../../engines/spec.js";
import { toOpenAIUsage } from "./toOpenAIUsage.js";

export interface ChunkFrames {
  /** The chunk for a part, or undefined for parts that have none of their own (usage). */
  frame(part: Exclude<StreamPart, { type: "error" }>): string | undefined;
  /** The last chunk with the usage (`stream_options.include_usage`). */
  usage(usage: Usage): string;
}

export function chunkFrames(id: string, created: number, model: string): ChunkFrames {
  // Joined rather than concatenated: a joined string is one flat string, where a template literal's pieces stay
  // linked for as long as the stream lives.
  const head = ['{"id":', JSON.stringify(id), ',"object":"chat.completion.chunk","created":', String(created), ',"model":', JSON.stringify(model), ',"system_fingerprint":null,"choices":['].join("");
  const chunk = (delta: string, finish: FinishReason | null) =>
    `${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? "null" : JSON.stringify(finish)}}]}`;
  // The first delta names the role, as OpenAI's does.
  let role = `"role":"assistant",`;
  const takeRole = () => {
    const once = role;
    role = "";
    return once;
  };
  return {
    frame(part) {
      switch (part.type) {
        case "text-delta":
          return chunk(`{${takeRole()}"content":${JSON.stringify(part.text)}}`, null);
        case "tool-call-delta": {
          const call: Record<string, unknown> = { index: part.index };
          if (part.id) Object.assign(call, { id: part.id, type: "function" });
          const fn: Record<string, string> = {};
          if (part.name) fn.name = part.name;
          if (part.argumentsDelta !== undefined) fn.arguments = part.argumentsDelta;
          call.function = fn;
          return chunk(`{${takeRole()}"tool_calls":${JSON.stringify([call])}}`, null);
        }
        case "finish": {
          const opening = takeRole();
          return chunk(opening === "" ? "{}" : `{${opening.slice(0, -1)}}`, part.reason);
        }
        case "usage":
          return undefined;
      }
    },
    usage(usage) {
      return `${head}],"usage":${JSON.stringify(toOpenAIUsage(usage))}}`;
    },
  };
}
