/** A strict RFC 4180 reader for the export tests: CRLF line ends, quoted fields with doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"' && field === "") {
      // A quoted field: up to the lone closing quote.
      i++;
      for (;;) {
        const next = text.indexOf('"', i);
        if (next === -1) throw new Error("unterminated quoted field");
        field += text.slice(i, next);
        if (text[next + 1] === '"') {
          field += '"';
          i = next + 2;
        } else {
          i = next + 1;
          break;
        }
      }
      if (i < text.length && text[i] !== "," && text[i] !== "\r") throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (char === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (char === "\r") {
      if (text[i + 1] !== "\n") throw new Error(`a CR without LF at ${i}`);
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else if (char === "\n" || char === '"') {
      throw new Error(`a bare ${char === "\n" ? "LF" : "quote"} at ${i}`);
    } else {
      field += char;
      i++;
    }
  }
  if (field !== "" || row.length > 0) throw new Error("the last line has no CRLF");
  return rows;
}
