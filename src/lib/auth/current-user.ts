import type { Role } from "../../db/schema";

/**
 * The caller of a request. The token is trusted for who the caller is (`id`,
 * signature checked) and for which sign-in it belongs to (`sessionId`);
 * `authenticate` (requireAuth, requirePermission) then reads the user's row
 * in D1 and fills `username` and `role` from it, and refuses the token when
 * the account is inactive, its token version moved or the sign-in ended.
 * On routes with `requirePermissionInBatch` (selling), `c.var.user` is built
 * from the token's claims alone (role from the token, `username` empty) until
 * the service settles the pending check against D1 (`settleUserCheck`) in
 * its first batch and uses the confirmed user it returns.
 */
export interface AuthUser {
  id: number;
  username: string;
  /** The caller's role at the store the request acts on (`ctx.store`); an admin is admin everywhere. */
  role: Role;
  /** The store requests that name none act on. */
  homeStoreId?: number | undefined;
  /**
   * The sign-in this request's access token belongs to (its `sid` claim: the
   * refresh-token family), set wherever the middleware confirmed the token.
   * Absent for callers that are not a request (jobs, scripts).
   */
  sessionId?: string | undefined;
}
