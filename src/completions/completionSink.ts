/**
 * Where a streamed completion goes: the inbound API's writer (OpenAI chunks over SSE, for one). The pipeline calls
 * `open` once the answer is certain to start (the engine's first part arrived, or a stored answer is replayed),
 * `write` for each part (never an error part), and `close` once, however the stream ended.
 */
import type { PartSink } from "../routing/pumpCall.js";
import type { CacheResult } from "./completionInput.js";

export interface CompletionHead {
  /** `engine/model` that serves the answer (or served the stored one). */
  model: string;
  cache?: CacheResult | undefined;
  /** A semantic hit's similarity with the stored request. */
  cacheScore?: number | undefined;
}

export interface CompletionSink extends PartSink {
  open(head: CompletionHead): void;
  /**
   * `completed`: every part was written, so the stream ends as a success. `failure`: it broke after `open` and
   * must end with an error, never silently. Neither: the client went away, nothing more can be written.
   */
  close(end: { completed: boolean; failure: unknown }): void | Promise<void>;
  /**
   * Why a write answered false while the client is still there (a guardrail refused the answer); undefined when
   * the client went away. The pipeline ends the stream, and the request's ledger row, with that failure.
   */
  refusal?(): unknown;
  /** Tells the client the stream is alive while nothing else goes out (server tools running); never ends it. */
  keepalive?(): void;
}
