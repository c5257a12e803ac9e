/**
 * Every job run observed, whichever backend runs it: `jobs_total{name,result}`, a CONSUMER span per run when
 * tracing is on, and `jobs_waiting{name}` read from the queue at each scrape.
 */
import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { Metrics } from "../observability/createMetrics.js";
import { errorMessageOf, type JobQueue } from "./jobQueue.js";

export function observeJobQueue(queue: JobQueue, observers: { metrics?: Metrics | undefined; tracer?: Tracer | undefined }): JobQueue {
  const { metrics, tracer } = observers;
  if (!metrics && !tracer) return queue;
  metrics?.observeJobs(() => queue.waitingCounts());
  return {
    ...queue,
    define(name, definition) {
      queue.define(name, {
        ...definition,
        async handler(data, context) {
          const span = tracer?.startSpan(`job ${name}`, {
            kind: SpanKind.CONSUMER,
            attributes: { "switchyard.job.name": name, "switchyard.job.id": context.id, "switchyard.job.attempt": context.attempt },
          });
          try {
            const result = await definition.handler(data, context);
            metrics?.jobs.inc({ name, result: "completed" });
            return result;
          } catch (error) {
            metrics?.jobs.inc({ name, result: "failed" });
            span?.setStatus({ code: SpanStatusCode.ERROR, message: errorMessageOf(error) });
            throw error;
          } finally {
            span?.end();
          }
        },
      });
    },
  };
}
