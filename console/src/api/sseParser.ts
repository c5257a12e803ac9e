/**
 * Server-sent events from a fetch body, by the HTML standard's rules: lines end with CRLF, LF or CR, a blank line
 * ends an event, `data:` lines join with "\n", `:` lines are comments. A read may end anywhere — inside a line,
 * inside a multi-byte character, between a CR and its LF — so the parser keeps whatever is unfinished.
 */

export interface SseEvent {
  /** `message` unless the event named itself. */
  event: string;
  data: string;
  id?: string;
}

export interface SseParser {
  /** Feeds decoded text; answers the events it completed. */
  push(text: string): SseEvent[];
  /** The stream ended: an event without its blank line is dropped, as the standard says. */
  end(): SseEvent[];
}

export function createSseParser(): SseParser {
  let buffer = "";
  let started = false;
  let event = "";
  let data: string[] = [];
  let id: string | undefined;

  const line = (text: string, out: SseEvent[]) => {
    if (text === "") {
      if (data.length > 0) out.push({ event: event === "" ? "message" : event, data: data.join("\n"), ...(id !== undefined ? { id } : {}) });
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  return {
    push(text) {
      buffer += text;
      if (!started && buffer !== "") {
        started = true;
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
      }
      const out: SseEvent[] = [];
      let from = 0;
      for (;;) {
        const lf = buffer.indexOf("\n", from);
        const cr = buffer.indexOf("\r", from);
        if (lf === -1 && cr === -1) break;
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          // A CR at the very end may be the first half of a CRLF: wait for the next read to tell.
          if (cr === buffer.length - 1) break;
          line(buffer.slice(from, cr), out);
          from = buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
        } else {
          line(buffer.slice(from, lf), out);
          from = lf + 1;
        }
      }
      buffer = buffer.slice(from);
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      // A trailing CR ended its line.
      if (buffer.endsWith("\r")) line(buffer.slice(0, -1), out);
      buffer = "";
      return out;
    },
  };
}

/** Every event of a response body, as it arrives. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // A consumer that stopped early (or an abort) leaves nothing of the body being read.
    void reader.cancel().catch(() => undefined);
  }
}
