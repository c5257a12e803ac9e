/**
 * Engine parts as the Responses API's streaming events, in OpenAI's order and each with its `sequence_number`:
 * `response.created` and `response.in_progress`; for text, a message item (`output_item.added`,
 * `content_part.added`, `output_text.delta`…, `output_text.done`, `content_part.done`, `output_item.done`); for
 * each tool call, a function_call item (`output_item.added`, `function_call_arguments.delta`…, `.done`,
 * `output_item.done`); at the end `response.completed` (or `response.incomplete`) with the whole response, or
 * `response.failed` when the stream broke. Items are numbered in the order they open; a part of another kind
 * (text after a tool call, a second tool call) closes the open one, as the SDK's accumulator expects items to
 * finish one at a time.
 */
import type { FinishReason, StreamPart, Usage } from "../../../engines/spec.js";
import { functionCallItem, messageItem, outputText, type ItemStatus } from "./outputItems.js";
import { callId, functionCallItemId, messageItemId } from "./responseIds.js";
import { responseObject, type ResponseFrame } from "./responseObject.js";
import { responseStatusOf } from "./responseStatusOf.js";
import { responseUsage } from "./responseUsage.js";

export interface ResponseEvent {
  event: string;
  data: string;
}

/** `code` is one of the API's ResponseError codes (`server_error`, `rate_limit_exceeded`, …). */
export interface ResponseFailure {
  code: string;
  message: string;
  /** The guardrail rule that stopped the answer (code guardrail_refused). */
  rule?: string;
}

export interface ResponseEvents {
  /** `response.created` and `response.in_progress`. */
  start(): ResponseEvent[];
  /** The events a part adds; none for usage and finish, which `end` reports. */
  part(part: Exclude<StreamPart, { type: "error" }>): ResponseEvent[];
  /** The open item's closing events and `response.completed` or `response.incomplete`. */
  end(): ResponseEvent[];
  /** `response.failed`, with the output as far as it got: never a completion after a failure. */
  fail(failure: ResponseFailure): ResponseEvent[];
}

type OpenItem =
  | { kind: "text"; outputIndex: number; id: string; text: string; deltaPrefix: string }
  | { kind: "tool"; outputIndex: number; id: string; tool: number; callId: string; name: string; args: string };

export function responseEvents(frame: ResponseFrame): ResponseEvents {
  let sequence = 0;
  // Every item opened so far, in its latest form: what the final response's `output` holds.
  const items: Array<Record<string, unknown>> = [];
  let open: OpenItem | undefined;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;

  const event = (type: string, fields: Record<string, unknown>): ResponseEvent => ({
    event: type,
    data: JSON.stringify({ type, sequence_number: sequence++, ...fields }),
  });
  const finalItem = (item: OpenItem, status: ItemStatus) =>
    item.kind === "text" ? messageItem(item.id, item.text, status) : functionCallItem(item.id, item.callId, item.name, item.args, status);

  const close = (out: ResponseEvent[], status: ItemStatus) => {
    const item = open;
    if (item === undefined) return;
    open = undefined;
    const at = { item_id: item.id, output_index: item.outputIndex };
    if (item.kind === "text") {
      out.push(event("response.output_text.done", { ...at, content_index: 0, text: item.text, logprobs: [] }));
      out.push(event("response.content_part.done", { ...at, content_index: 0, part: outputText(item.text) }));
    } else {
      out.push(event("response.function_call_arguments.done", { ...at, name: item.name, arguments: item.args }));
    }
    const done = finalItem(item, status);
    items[item.outputIndex] = done;
    out.push(event("response.output_item.done", { output_index: item.outputIndex, item: done }));
  };
  const begin = (out: ResponseEvent[], item: OpenItem, added: Record<string, unknown>) => {
    close(out, "completed");
    open = item;
    items.push(added);
    out.push(event("response.output_item.added", { output_index: item.outputIndex, item: added }));
  };
  const openText = (out: ResponseEvent[]) => {
    const id = messageItemId();
    const outputIndex = items.length;
    // A delta is the stream's commonest event: its JSON is a prefix built once per item and the delta's own text.
    const deltaPrefix = `{"type":"response.output_text.delta","item_id":${JSON.stringify(id)},"output_index":${outputIndex},"content_index":0,"logprobs":[],"sequence_number":`;
    const item: OpenItem = { kind: "text", outputIndex, id, text: "", deltaPrefix };
    begin(out, item, messageItem(id, undefined, "in_progress"));
    out.push(event("response.content_part.added", { item_id: id, output_index: outputIndex, content_index: 0, part: outputText("") }));
    return item;
  };
  const inProgress = () => responseObject(frame, { status: "in_progress", output: [] });

  return {
    start() {
      return [event("response.created", { response: inProgress() }), event("response.in_progress", { response: inProgress() })];
    },
    part(part) {
      const out: ResponseEvent[] = [];
      switch (part.type) {
        case "text-delta": {
          if (part.text === "") return out;
          const item = open?.kind === "text" ? open : openText(out);
          item.text += part.text;
          out.push({ event: "response.output_text.delta", data: `${item.deltaPrefix}${sequence++},"delta":${JSON.stringify(part.text)}}` });
          return out;
        }
        case "tool-call-delta": {
          let item = open;
          if (item?.kind !== "tool" || item.tool !== part.index) {
            const id = functionCallItemId();
            const opened: OpenItem = { kind: "tool", outputIndex: items.length, id, tool: part.index, callId: part.id || callId(), name: part.name ?? "", args: "" };
            begin(out, opened, functionCallItem(id, opened.callId, opened.name, "", "in_progress"));
            item = opened;
          } else if (part.name) {
            // As the collected answer joins them: an engine may send a long name in pieces.
            item.name += part.name;
          }
          if (part.argumentsDelta) {
            item.args += part.argumentsDelta;
            out.push(event("response.function_call_arguments.delta", { item_id: item.id, output_index: item.outputIndex, delta: part.argumentsDelta }));
          }
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
      const out: ResponseEvent[] = [];
      const { status, incomplete_details } = responseStatusOf(finish);
      close(out, status === "incomplete" ? "incomplete" : "completed");
      const response = responseObject(frame, { status, incompleteDetails: incomplete_details, output: items, usage: usage && responseUsage(usage) });
      out.push(event(`response.${status}`, { response }));
      return out;
    },
    fail(failure) {
      if (open !== undefined) items[open.outputIndex] = finalItem(open, "incomplete");
      open = undefined;
      const response = responseObject(frame, { status: "failed", output: items, usage: usage && responseUsage(usage), error: failure });
      return [event("response.failed", { response })];
    },
  };
}
