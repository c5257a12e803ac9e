/**
 * Who is calling, once authentication has run: the one value authorization, limits, budgets and ownership read.
 */
export type Role = "user" | "admin";

export type BudgetWindow = "day" | "month" | "total";

export interface Budget {
  usd: number;
  window: BudgetWindow;
}

export interface Principal {
  /**
   * `local`: auth.mode none (a loopback-only development server; every caller is the local admin).
   * `anonymous`: no valid credential, on a public route (health checks); never reaches user or admin routes.
   */
  kind: "local" | "anonymous" | "key" | "jwt";
  userId: string;
  role: Role;
  /** The API key's id (never the key itself), when the caller used one. */
  keyId?: string;
  /** `engine/model` ids or route names the key may use; undefined: all. */
  allowedModels?: readonly string[];
  /** Per-key overrides of the chat-class limits. */
  limits?: { rpm?: number; tpm?: number };
  /** The key's own budget, on top of any per-user budget. */
  budget?: Budget;
  /** Highest document access level the caller may read (0: public only, the default). Admins read every level. */
  accessLevel?: number;
}

/** What a route demands of its caller. Every route declares one (Fastify route `config.policy`). */
export type RoutePolicy = "public" | "user" | "admin";

/** The rate-limit class of a route. */
export type RouteClass = "chat" | "admin" | "other";

declare module "fastify" {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /** Defaults from the policy: admin routes are `admin`, everything else `other`; chat routes say `chat`. */
    routeClass?: RouteClass;
    /** What a chat-class route's `model` names, for API keys' allowedModels: chat models (default) or embedding models. */
    modelKind?: "chat" | "embeddings";
  }
}

export const localPrincipal: Principal = Object.freeze({ kind: "local", userId: "local", role: "admin" });

/** The caller of a public route who presented no valid credential. */
export const anonymousPrincipal: Principal = Object.freeze({ kind: "anonymous", userId: "anonymous", role: "user" });
