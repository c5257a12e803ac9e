/**
 * Markdown (or plain text) to blocks: ATX headings (`#` to `######`) and paragraphs separated by blank lines.
 * A fenced code block stays one paragraph, blank lines and `#` comments inside it included, so code is never cut
 * into pieces that read as headings.
 */
export type Block = { kind: "heading"; level: number; text: string } | { kind: "paragraph"; text: string };

export function markdownBlocks(markdown: string, options: { headings: boolean } = { headings: true }): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let fence: string | undefined;
  const flush = () => {
    const text = paragraph.join("\n").trim();
    if (text !== "") blocks.push({ kind: "paragraph", text });
    paragraph = [];
  };
  for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      paragraph.push(line);
      if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) {
        fence = undefined;
        flush();
      }
      continue;
    }
    if (fenceMark !== undefined) {
      flush();
      fence = fenceMark;
      paragraph.push(line);
      continue;
    }
    const heading = options.headings ? /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (heading) {
      flush();
      const text = heading[2]?.trim() ?? "";
      if (text !== "") blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, text });
      continue;
    }
    if (line.trim() === "") flush();
    else paragraph.push(line);
  }
  flush();
  return blocks;
}
