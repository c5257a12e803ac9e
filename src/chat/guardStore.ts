import { GatewayError, isGatewayError } from "../errors.js";

/** A store failure becomes `store_unavailable` for the client; the cause stays in the logs only. */
export async function guardStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError("store_unavailable", "the session store is unavailable; try again shortly", {
      cause: error,
      retryAfterSeconds: 2,
    });
  }
}
