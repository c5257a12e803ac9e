/**
 * A push parser for server-sent events that hands over each event's `data`. Chunks may split anywhere (inside a
 * line, between CR and LF); lines may end in LF, CRLF or CR; comments (keep-alives) and fields other than `data`
 * are skipped. Only the partial last line is carried between chunks, so a steady stream allocates per line only.
 */
export interface SseParser {
  feed(text: string): void;
  /** Flushes a final event the upstream did not terminate with a blank line. */
  end(): void;
}

/** A line this long without a newline is not an SSE stream; refuse to buffer it without bound. */
export const maxSseLineLength = 8 * 1024 * 1024;

export function createSseParser(onData: (data: string) => void): SseParser {
  let partial = "";
  let data = "";
  let hasData = false;
  // The previous chunk ended in CR: a LF opening the next one belongs to that line ending.
  let skipLeadingLf = false;

  function onLine(line: string): void {
    if (line.length === 0) {
      if (!hasData) return;
      const payload = data;
      data = "";
      hasData = false;
      onData(payload);
      return;
    }
    let value: string;
    if (line.startsWith("data:")) {
      value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    } else if (line === "data") {
      value = "";
    } else {
      return;
    }
    data = hasData ? `${data}\n${value}` : value;
    hasData = true;
  }

  return {
    feed(chunk) {
      const text = partial.length > 0 ? partial + chunk : chunk;
      partial = "";
      let start = 0;
      if (skipLeadingLf) {
        skipLeadingLf = false;
        if (text.charCodeAt(0) === 10) start = 1;
      }
      let cr = text.indexOf("\r", start);
      while (start < text.length) {
        if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
        const lf = text.indexOf("\n", start);
        let end: number;
        let next: number;
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          end = cr;
          if (cr + 1 < text.length) {
            next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
          } else {
            next = cr + 1;
            skipLeadingLf = true;
          }
        } else if (lf !== -1) {
          end = lf;
          next = lf + 1;
        } else {
          break;
        }
        onLine(text.slice(start, end));
        start = next;
      }
      if (start < text.length) {
        partial = start === 0 ? text : text.slice(start);
        if (partial.length > maxSseLineLength) throw new RangeError(`an SSE line exceeded ${maxSseLineLength} characters`);
      }
    },
    end() {
      if (partial.length > 0) {
        const line = partial;
        partial = "";
        onLine(line);
      }
      onLine("");
    },
  };
}
