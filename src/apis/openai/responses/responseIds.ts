/** Fresh ids for a response and its output items: every response has its own, a replayed answer too. */
import { randomHex } from "../../../observability/randomHex.js";

export function responseId(): string {
  return `resp_${randomHex(12)}`;
}

export function messageItemId(): string {
  return `msg_${randomHex(12)}`;
}

export function functionCallItemId(): string {
  return `fc_${randomHex(12)}`;
}

/** For a tool call whose engine gave it no id: the client sends the call_id back with the function's output. */
export function callId(): string {
  return `call_${randomHex(12)}`;
}
