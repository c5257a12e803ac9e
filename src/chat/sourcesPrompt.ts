/**
 * Retrieved sources as the model reads them: numbered [1], [2], … with an instruction to cite them by number,
 * appended to the turn's system prompt (one leading system message suits every chat template). With nothing
 * retrieved the model is told so, rather than left to guess why there are no sources.
 */
import type { RetrievedSource } from "./retrieveSources.js";

export function systemWithSources(system: string | undefined, sources: readonly RetrievedSource[] | undefined): string | undefined {
  if (sources === undefined) return system;
  return [system, sourcesPrompt(sources)].filter((part) => part !== undefined && part !== "").join("\n\n");
}

export function sourcesPrompt(sources: readonly RetrievedSource[]): string {
  if (sources.length === 0) {
    return "No documents matched the user's message. Answer from what you know, and say that no sources were found.";
  }
  const listed = sources.map(({ citation, text }) => {
    const heading = citation.headingPath === "" ? "" : ` — ${citation.headingPath}`;
    return `[${citation.n}] ${citation.title}${heading}\n${text.trim()}`;
  });
  return [
    "Sources retrieved for the user's message follow. Use them to answer, and cite each one you use by its number in square " +
      "brackets, like [1]. If they do not answer the question, say so.",
    ...listed,
  ].join("\n\n");
}
