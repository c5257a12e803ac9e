/**
 * One OpenAI chat completions endpoint to load: where it is, what credential it needs, and the two request bodies
 * (plain and streamed) sent to it, built once so every request is byte-for-byte the same.
 */
export interface ChatTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
  plainBody: string;
  streamBody: string;
}

export function chatTarget(origin: string, model: string, apiKey?: string): ChatTarget {
  const request = { model, messages: [{ role: "user", content: "Say hello." }], max_tokens: 32 };
  return {
    origin,
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    plainBody: JSON.stringify(request),
    streamBody: JSON.stringify({ ...request, stream: true }),
  };
}
