import type { StreamPart } from "./spec.js";

/**
 * Pulls the first part before anything is sent to the client, so a failure before the first token is still an
 * ordinary error response (and, later, a fallback to another engine). Returns the whole stream, first part included.
 */
export async function startStream(parts: AsyncIterable<StreamPart>): Promise<AsyncIterable<StreamPart>> {
  const iterator = parts[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (!first.done && first.value.type === "error") {
    await iterator.return?.();
    throw first.value.error;
  }
  return {
    [Symbol.asyncIterator]() {
      let pending: IteratorResult<StreamPart> | undefined = first;
      return {
        next() {
          if (pending) {
            const result = pending;
            pending = undefined;
            return Promise.resolve(result);
          }
          return iterator.next();
        },
        return(value?: unknown) {
          pending = undefined;
          return iterator.return ? iterator.return(value) : Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}
