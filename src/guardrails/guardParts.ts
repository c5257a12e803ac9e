/**
 * An engine call's parts with the output check in between, for consumers that read parts in a loop (the session
 * API's turn): text deltas come out as the OutputWindow releases them, and everything held is released before
 * any other part. A refusal is thrown into the loop, which ends the turn with its error event.
 */
import type { StreamPart } from "../engines/spec.js";
import type { OutputWindow } from "./createOutputWindow.js";

export async function* guardParts(parts: AsyncIterable<StreamPart>, window: OutputWindow): AsyncGenerator<StreamPart> {
  try {
    for await (const part of parts) {
      const text = await (part.type === "text-delta" ? window.push(part.text) : window.flush());
      if (text !== "") yield { type: "text-delta", text };
      if (part.type !== "text-delta") yield part;
    }
    const rest = await window.flush();
    if (rest !== "") yield { type: "text-delta", text: rest };
  } finally {
    window.end();
  }
}
