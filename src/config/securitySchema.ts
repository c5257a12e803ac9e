/**
 * Configuration of who may call, how often, and at what cost: auth, rate limits, pricing, budgets, webhooks.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();
const cidr = z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "an IP address or CIDR block, e.g. 10.0.0.0/8");

export const authSchema = z
  .object({
    /** `none` is only accepted when the server listens on loopback. */
    mode: z.enum(["none", "keys", "jwt", "keys+jwt"]).default("none"),
    /** A bootstrap admin key (use `${SWITCHYARD_ADMIN_KEY}`); any string of 20+ characters. */
    adminKey: z.string().min(20, "use at least 20 random characters").optional(),
    /** When set, admin routes also require a client address inside one of these blocks. */
    adminAllowlist: z.array(cidr).optional(),
    jwt: z
      .object({
        /** HS256 shared secret (32+ bytes). */
        secret: z.string().min(32, "an HS256 secret needs at least 32 characters").optional(),
        /** RS/ES keys from a JWKS endpoint (cached, refreshed on unknown key ids). */
        jwksUrl: z.url().optional(),
        issuer: z.string().min(1).optional(),
        audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        /** Dot path of the claim holding the caller's roles (a string or an array of strings). */
        rolesClaim: z.string().min(1).default("roles"),
        /** The role value that grants admin. */
        adminRole: z.string().min(1).default("admin"),
        /** Claim holding the user id. */
        userClaim: z.string().min(1).default("sub"),
        clockToleranceSec: z.number().int().min(0).max(300).default(5),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if ((auth.mode === "jwt" || auth.mode === "keys+jwt") && !auth.jwt?.secret && !auth.jwt?.jwksUrl) {
      ctx.addIssue({ code: "custom", path: ["jwt"], message: "jwt mode needs jwt.secret (HS256) or jwt.jwksUrl" });
    }
  });

/** Per-class limits; each field has its class's default, so `chat: { tpm: 5000 }` alone is valid. */
const classLimits = (defaults: { rpm: number; tpm: number }) =>
  z
    .object({
      /** Requests per minute; 0 disables the limit. */
      rpm: z.number().int().min(0).default(defaults.rpm),
      /** Tokens (input + output) per minute; 0 disables the limit. Only meaningful for the chat class. */
      tpm: z.number().int().min(0).default(defaults.tpm),
    })
    .strict()
    .prefault({});

const limitsByClass = z
  .object({
    chat: classLimits({ rpm: 600, tpm: 1_000_000 }),
    admin: classLimits({ rpm: 120, tpm: 0 }),
    other: classLimits({ rpm: 1200, tpm: 0 }),
  })
  .strict();

export const rateLimitsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Limits for each API key (a key's own rpm/tpm override the chat class). */
    perKey: limitsByClass.prefault({}),
    /** Limits for each user, across all their keys and tokens. */
    perUser: limitsByClass.prefault({}),
  })
  .strict();

const price = z
  .object({
    /** USD per million input tokens. */
    input: z.number().min(0),
    /** USD per million input tokens served from the engine's prompt cache (default: input). */
    cachedInput: z.number().min(0).optional(),
    output: z.number().min(0),
    /** USD per million reasoning tokens (default: output). */
    reasoning: z.number().min(0).optional(),
  })
  .strict();

/** Keys are `engine/model`. Models without a price cost 0 (local engines, say). */
export const pricingSchema = z.record(z.string().regex(/^[^/]+\/.+$/, "keys are engine/model"), price);

const budget = z.object({ usd: z.number().positive(), window: z.enum(["day", "month", "total"]) }).strict();

export const budgetsSchema = z
  .object({
    /** Output tokens reserved for a request that sets no max_tokens. */
    defaultMaxTokens: positiveInt.default(1024),
    /** A budget every user gets (per-key budgets come with the key). */
    perUser: budget.optional(),
    /** Alert thresholds, as fractions of a budget. */
    alertAt: z.array(z.number().gt(0).lte(1)).default([0.8, 1]),
  })
  .strict();

export const webhookEvents = ["budget.threshold", "engine.breaker_open", "engine.breaker_closed", "key.created", "key.revoked", "chat.job.completed", "chat.job.failed"] as const;

export const webhookSchema = z
  .object({
    url: z.url(),
    /** HMAC-SHA256 signing secret (use `${ENV}`). */
    secret: z.string().min(16),
    events: z.array(z.enum(webhookEvents)).min(1),
  })
  .strict();

export const corsSchema = z
  .object({
    /** Origins allowed to call from a browser; empty: no cross-origin access. */
    origins: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type AuthConfig = z.infer<typeof authSchema>;
export type RateLimitsConfig = z.infer<typeof rateLimitsSchema>;
export type PricingConfig = z.infer<typeof pricingSchema>;
export type BudgetsConfig = z.infer<typeof budgetsSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;

/**
 * Prometheus metrics: on by default. Who may read GET /metrics: a bearer token, an address allowlist, or both
 * (either unset: not checked). `enabled: false` removes the endpoint and every recording hook.
 */
export const metricsSchema = z
  .object({
    enabled: z.boolean().default(true),
    token: z.string().min(16).optional(),
    allowlist: z.array(cidr).optional(),
  })
  .strict();
