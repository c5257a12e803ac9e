/**
 * Engine parts as Anthropic's streaming events, in its order: `message_start` and a `ping`, then each content
 * block as `content_block_start`, its deltas (`text_delta`, or `input_json_delta` for a `tool_use` block) and
 * `content_block_stop`, and at the end `message_delta` (stop reason, usage) and `message_stop`. Blocks are numbered
 * in the order they open; a part of another kind (text after a tool call, a second tool call) closes the open one.
 */
import type { FinishReason, StreamPart, Usage } from "../../engines/spec.js";
import { anthropicUsage } from "./anthropicUsage.js";
import { stopReasonOf } from "./stopReasonOf.js";
import { toolUseId } from "./messageOf.js";

export interface MessageEvent {
  event: string;
  data: string;
}

export interface MessageEvents {
  /** `message_start`, with the prompt's tokens as far as they are known before the engine reports them. */
  start(promptTokens: number): MessageEvent[];
  /** The events a part adds; none for usage and finish, which `end` reports. */
  part(part: Exclude<StreamPart, { type: "error" }>): MessageEvent[];
  /** The open block's stop, `message_delta` and `message_stop`. */
  end(): MessageEvent[];
}

/** Anthropic's keepalive, which its streams may carry anywhere and any number of times. */
export const ping: MessageEvent = { event: "ping", data: '{"type":"ping"}' };

export function messageEvents(id: string, model: string): MessageEvents {
  let blocks = 0;
  // The open block: text, or the tool call of that part index.
  let open: { index: number; tool: number | undefined } | undefined;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;

  const stop = (out: MessageEvent[]) => {
    if (open === undefined) return;
    out.push({ event: "content_block_stop", data: `{"type":"content_block_stop","index":${open.index}}` });
    open = undefined;
  };
  const begin = (out: MessageEvent[], tool: number | undefined, block: Record<string, unknown>) => {
    stop(out);
    open = { index: blocks++, tool };
    out.push({ event: "content_block_start", data: JSON.stringify({ type: "content_block_start", index: open.index, content_block: block }) });
    return open.index;
  };
  const delta = (index: number, body: string): MessageEvent => ({
    event: "content_block_delta",
    data: `{"type":"content_block_delta","index":${index},"delta":${body}}`,
  });

  return {
    start(promptTokens) {
      const message = {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: promptTokens, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      };
      return [{ event: "message_start", data: JSON.stringify({ type: "message_start", message }) }, ping];
    },
    part(part) {
      const out: MessageEvent[] = [];
      switch (part.type) {
        case "text-delta": {
          if (part.text === "") return out;
          const index = open !== undefined && open.tool === undefined ? open.index : begin(out, undefined, { type: "text", text: "" });
          out.push(delta(index, `{"type":"text_delta","text":${JSON.stringify(part.text)}}`));
          return out;
        }
        case "tool-call-delta": {
          const index =
            open !== undefined && open.tool === part.index
              ? open.index
              : begin(out, part.index, { type: "tool_use", id: part.id ?? toolUseId(), name: part.name ?? "", input: {} });
          if (part.argumentsDelta) out.push(delta(index, `{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}`));
          return out;
        }
        case "finish":
          finish = part.reason;
          return out;
        case "usage":
          usage = part.usage;
          return out;
      }
    },
    end() {
      const out: MessageEvent[] = [];
      stop(out);
      const messageDelta = { type: "message_delta", delta: { stop_reason: stopReasonOf(finish), stop_sequence: null }, usage: anthropicUsage(usage) };
      out.push({ event: "message_delta", data: JSON.stringify(messageDelta) }, { event: "message_stop", data: '{"type":"message_stop"}' });
      return out;
    },
  };
}
