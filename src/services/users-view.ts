/** The public shape of a user: never the hash, never the token version. */
import type { UserRow } from "../db/schema";

export const toPublicUser = (row: UserRow) => ({
  id: row.id,
  username: row.username,
  email: row.email,
  full_name: row.fullName,
  phone_number: row.phoneNumber,
  role: row.role,
  is_active: row.isActive,
  is_verified: row.isVerified,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type PublicUser = ReturnType<typeof toPublicUser>;
