/** The queue the configuration asks for: BullMQ when `redis` is configured, in-process otherwise. */
import type { Config } from "../config/schema.js";
import type { Logger } from "../logger.js";
import { createBullJobQueue } from "./createBullJobQueue.js";
import { createMemoryJobQueue } from "./createMemoryJobQueue.js";
import type { JobQueue } from "./jobQueue.js";

export function createJobQueue(config: Pick<Config, "jobs" | "redis">, logger: Logger): JobQueue {
  return config.redis ? createBullJobQueue({ config: config.jobs, redis: config.redis, logger }) : createMemoryJobQueue({ config: config.jobs, logger });
}
