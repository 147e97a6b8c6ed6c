import type { Role } from "../../db/schema";

/** The caller, as loaded from D1 for this request (never trusted from the token alone). */
export interface AuthUser {
  id: number;
  username: string;
  role: Role;
  /**
   * The sign-in this request's access token belongs to (its `sid` claim: the
   * refresh-token family), set wherever the middleware confirmed the token.
   * Absent for callers that are not a request (jobs, scripts).
   */
  sessionId?: string | undefined;
}
