/**
 * Operational settings: readiness, load shedding, TLS and HTTP/2, compression, connection timeouts and feature
 * flags. Part of the configuration file's schema (see schema.ts).
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);

export const healthSchema = z
  .object({
    /** Consecutive failed readiness checks before /health/ready answers 503 (one slow probe must not pull every replica). */
    failureThreshold: positiveInt.default(3),
    /** A store ping slower than this counts as a failed check. */
    storeTimeoutMs: positiveInt.default(2000),
  })
  .strict();

export const loadSheddingSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Mean event-loop delay above which new requests get 503 server_overloaded (0: not checked). */
    maxEventLoopDelayMs: nonNegativeInt.default(1000),
    /** Heap used above which new requests are shed (0: not checked). */
    maxHeapUsedBytes: nonNegativeInt.default(0),
    /** Resident memory above which new requests are shed (0: not checked). */
    maxRssBytes: nonNegativeInt.default(0),
    retryAfterSeconds: positiveInt.default(5),
  })
  .strict();

export const tlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** Serve HTTP/2 (with HTTP/1.1 fallback through ALPN). */
    http2: z.boolean().default(true),
  })
  .strict();

export const compressionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Responses smaller than this are sent as they are. Streams (SSE) are never compressed. */
    thresholdBytes: nonNegativeInt.default(1024),
  })
  .strict();

export const serverTimeoutsSchema = z
  .object({
    /** Idle keep-alive connections are closed after this; above a load balancer's idle timeout (AWS ALB: 60 s). */
    keepAliveMs: positiveInt.default(72_000),
    /** Time allowed to receive a request's headers (slowloris). */
    headersMs: positiveInt.default(30_000),
    /** Time allowed to receive a whole request, body included. */
    receiveMs: positiveInt.default(60_000),
    /** A connection silent for this long is closed (0: never); keep it above any pause inside a stream. */
    idleMs: nonNegativeInt.default(300_000),
    /**
     * Limit for handling a non-chat request (admin, usage, sessions listing): past it the client gets 504
     * request_timeout. Chat routes are bounded by the engines' timeouts instead.
     */
    requestMs: positiveInt.default(30_000),
  })
  .strict();

/** Switchable without a restart (SIGHUP or --watch reload). */
export const featuresSchema = z
  .object({
    /** The session chat API under /api/v2/chat. */
    sessionApi: z.boolean().default(true),
    /** A/B experiments: assignment on chat turns and the /api/v2/ab admin routes. */
    experiments: z.boolean().default(true),
    /** /openapi.json and /docs. */
    apiDocs: z.boolean().default(true),
    /** The web console at /console and its sign-in API (/api/v2/console). */
    console: z.boolean().default(true),
    /** The gateway's tools over MCP at /mcp. */
    mcp: z.boolean().default(true),
  })
  .strict();

export type FeaturesConfig = z.infer<typeof featuresSchema>;
