import { LlamaChat, type ChatWrapper, type LlamaContext, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { GatewayError } from "../../errors.js";

/** One context sequence and the chat driver bound to it; a generation holds a slot exclusively. */
export interface SequenceSlot {
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
}

export interface SequencePool {
  /** Takes the idle slot that best continues into the prompt (see the scoring below). */
  take(prompt: Token[]): SequenceSlot;
  give(slot: SequenceSlot): void;
}

/**
 * All of the context's sequences, created once and kept for the engine's life. A sequence keeps its evaluated
 * tokens between generations and LlamaChat only evaluates what differs, so picking the sequence that last served
 * the same conversation (a longer history with the same start) skips re-evaluating its shared prefix.
 */
export function createSequencePool(context: LlamaContext, chatWrapper: ChatWrapper): SequencePool {
  const idle: SequenceSlot[] = [];
  while (context.sequencesLeft > 0) {
    const sequence = context.getSequence();
    idle.push({ sequence, chat: new LlamaChat({ contextSequence: sequence, chatWrapper }) });
  }
  return {
    take(prompt) {
      let best = -1;
      let bestScore = -Infinity;
      idle.forEach((slot, index) => {
        const shared = slot.sequence.compareContextTokens(prompt).firstDifferentIndex;
        const discarded = slot.sequence.nextTokenIndex - shared;
        // Reuse as much as possible now, and throw away as little as possible for later: a request that only
        // shares the template's opening tokens should take an empty sequence, not evict a conversation.
        const score = shared - discarded;
        if (score > bestScore) {
          best = index;
          bestScore = score;
        }
      });
      const [slot] = best >= 0 ? idle.splice(best, 1) : [];
      // The semaphore admits at most as many generations as there are sequences, so this is a bug, not load.
      if (!slot) throw new GatewayError("internal_error", "no idle context sequence despite a free concurrency slot");
      return slot;
    },
    give(slot) {
      idle.push(slot);
    },
  };
}
