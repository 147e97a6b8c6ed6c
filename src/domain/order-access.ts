/** Who may see (and act on) an order: its money, payments, refunds and documents follow the same rule. */
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";

/** Managers and admins see every order; a cashier sees the orders they rang up (`cashierId`). */
export const canSeeOrder = (actor: Pick<AuthUser, "id" | "role">, cashierId: number) =>
  hasPermission(actor.role, "orders:manage") || cashierId === actor.id;
