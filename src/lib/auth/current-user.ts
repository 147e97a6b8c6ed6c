import type { Role } from "../../db/schema";

/** The caller, as loaded from D1 for this request (never trusted from the token alone). */
export interface AuthUser {
  id: number;
  username: string;
  role: Role;
}
