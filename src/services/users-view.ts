/** The public shape of a user: never the hash, never the token version. */

import { mapPage, type Page } from "../db/paging";
import type { UserWithRoles } from "../db/users";

export const toPublicUser = (row: UserWithRoles) => ({
  id: row.id,
  username: row.username,
  email: row.email,
  full_name: row.fullName,
  phone_number: row.phoneNumber,
  role: row.role,
  is_active: row.isActive,
  is_verified: row.isVerified,
  home_store_id: row.homeStoreId,
  store_roles: row.storeRoles.map((entry) => ({ store_id: entry.storeId, role: entry.role })),
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type PublicUser = ReturnType<typeof toPublicUser>;

export const toPublicUserPage = (page: Page<UserWithRoles>) => mapPage(page, toPublicUser);
