/**
 * Guardrails for a session turn: the input check over the user's message and the system prompt the client sent
 * (before anything is retrieved, reserved or stored, so the session keeps the masked text and a refused turn
 * leaves none), and the output windows of the turn's engine calls, one per call.
 */
import type { Principal } from "../auth/principal.js";
import type { ChatMessage } from "../engines/spec.js";
import type { Logger } from "../logger.js";
import type { Guardrails } from "./createGuardrails.js";
import type { OutputWindow } from "./createOutputWindow.js";

export interface TurnInput {
  principal: Principal;
  requestId: string;
  traceId: string;
  signal: AbortSignal;
  message: string;
  system?: string | undefined;
}

export interface GuardedTurn {
  message: string;
  system: string | undefined;
  /** A new window for each engine call's answer; absent when no rule checks output. */
  outputWindow?: (() => OutputWindow | undefined) | undefined;
}

export async function guardTurn(guardrails: Guardrails | undefined, turn: TurnInput, route: string, log: Logger): Promise<GuardedTurn> {
  const guard = guardrails?.forRequest(turn.principal, () => route);
  if (guard === undefined) return { message: turn.message, system: turn.system };
  const context = { principal: turn.principal, requestId: turn.requestId, traceId: turn.traceId, log, signal: () => turn.signal, route: () => route };
  const messages: ChatMessage[] = [...(turn.system === undefined ? [] : [{ role: "system" as const, content: turn.system }]), { role: "user", content: turn.message }];
  const checked = await guard.checkInput(context, messages);
  const text = (role: ChatMessage["role"]) => checked.find((message) => message.role === role)?.content ?? undefined;
  return {
    message: text("user") ?? turn.message,
    system: turn.system === undefined ? undefined : (text("system") ?? turn.system),
    outputWindow: () => guard.outputWindow(context),
  };
}
