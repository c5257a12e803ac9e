/**
 * The document viewer a principal is: admins (and the local development principal) read every level; everyone
 * else reads up to the level their key or token grants, 0 (public) when it grants none.
 */
import type { Principal } from "../auth/principal.js";
import type { Viewer } from "../store/documents.js";

export function viewerOf(principal: Principal): Viewer {
  const admin = principal.role === "admin";
  return { userId: principal.userId, admin, maxAccessLevel: admin ? undefined : (principal.accessLevel ?? 0) };
}
