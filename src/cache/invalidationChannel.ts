/**
 * The invalidation broadcast over Redis pub/sub: every replica subscribes on a connection of its own (a subscribed
 * connection can run nothing else) and hears every invalidation, its own included. Channel names are not
 * prefixed by ioredis, so the key prefix is put in by hand: deployments sharing one Redis do not hear each other.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { GenerationValues, InvalidationTarget } from "./cacheGenerations.js";

export interface InvalidationMessage {
  target: InvalidationTarget;
  values: GenerationValues;
}

export interface InvalidationChannel {
  publish(message: InvalidationMessage): Promise<boolean>;
  close(): void;
}

export function openInvalidationChannel(options: {
  client: Redis;
  keyPrefix: string;
  logger: Logger;
  onMessage(message: InvalidationMessage): void;
  /** The subscription (re)started: broadcasts may have been missed meanwhile. */
  onResubscribed(): void;
}): InvalidationChannel {
  const channel = `${options.keyPrefix}cache-invalidate`;
  const subscriber = options.client.duplicate();
  let warned = false;
  // An unhandled 'error' would crash the process; the main connection already reports an outage.
  subscriber.on("error", (error: Error) => {
    if (warned) return;
    warned = true;
    options.logger.debug({ err: error }, "cache: invalidation subscriber unavailable; retrying");
  });
  subscriber.on("ready", () => {
    warned = false;
    subscriber.subscribe(channel).then(
      () => options.onResubscribed(),
      (error: unknown) => options.logger.warn({ err: error }, "cache: subscribing to invalidations failed"),
    );
  });
  subscriber.on("message", (from: string, text: string) => {
    if (from !== channel) return;
    try {
      const parsed = JSON.parse(text) as InvalidationMessage;
      if (parsed && typeof parsed === "object" && parsed.target && parsed.values) options.onMessage(parsed);
    } catch (error) {
      options.logger.warn({ err: error }, "cache: ignoring a malformed invalidation message");
    }
  });
  return {
    async publish(message) {
      if (options.client.status !== "ready") return false;
      try {
        await options.client.publish(channel, JSON.stringify(message));
        return true;
      } catch {
        return false;
      }
    },
    close() {
      subscriber.disconnect();
    },
  };
}
