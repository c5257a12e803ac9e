import { z } from "zod";

/** The web console's sign-in sessions (the console itself is switched by features.console). */
export const consoleSchema = z
  .object({
    /** How long a console sign-in lasts; a JWT sign-in never outlives its token. */
    sessionTtlMinutes: z.number().int().positive().max(7 * 24 * 60).default(480),
    /**
     * Encrypts the session cookie (use `${SWITCHYARD_CONSOLE_SECRET}`). Replicas behind one load balancer need the
     * same one; without it each process draws its own at start, so sessions end on a restart.
     */
    sessionSecret: z.string().min(32, "use at least 32 random characters").optional(),
  })
  .strict();

export type ConsoleConfig = z.infer<typeof consoleSchema>;
