/**
 * What a user's audit events record (README "Audit trail"): the account's
 * public fields and where it works, never a password or its hash. A change of
 * role or store roles is `user.role.updated` (the question "who made this
 * cashier a manager" is one filter); a change of activation alone is
 * `user.deactivated` / `user.activated`; anything else `user.updated`.
 */
import { type AuditEntry, type AuditFields, changedFields } from "../audit/record";
import type { StoreRoleEntry, UserRecord } from "../db/users";

type UserFields = Pick<UserRecord, "email" | "fullName" | "phoneNumber" | "role" | "isActive" | "homeStoreId">;

/** The audited fields of an account; store roles as the API shows them, by store. */
export const userAuditFields = (user: UserFields, storeRoles: StoreRoleEntry[]): AuditFields => ({
  email: user.email,
  full_name: user.fullName,
  phone_number: user.phoneNumber,
  role: user.role,
  is_active: user.isActive,
  home_store_id: user.homeStoreId,
  store_roles: [...storeRoles]
    .sort((a, b) => a.storeId - b.storeId)
    .map((entry) => ({ store_id: entry.storeId, role: entry.role })),
});

const ROLE_FIELDS = ["role", "store_roles"];

/**
 * The audit entry of an update: only the fields that changed. `activation`
 * names the request when it is POST /activate or DELETE (the action is then
 * the request's, whatever changed).
 */
export function userChangeEntry(
  id: number,
  before: AuditFields,
  after: AuditFields,
  activation?: "user.activated" | "user.deactivated",
): AuditEntry {
  const changed = changedFields(before, after);
  const fields = Object.keys(changed.after);
  let action = activation ?? "user.updated";
  if (!activation && fields.some((field) => ROLE_FIELDS.includes(field))) action = "user.role.updated";
  else if (!activation && fields.length === 1 && fields[0] === "is_active") {
    action = changed.after.is_active ? "user.activated" : "user.deactivated";
  }
  return {
    action,
    entityType: "user",
    entityId: id,
    before: changed.before,
    after: changed.after,
    onlyIfChanged: true,
  };
}
