/**
 * The role matrix of DESIGN.md (../shared/DESIGN.md) as data. Routes declare a permission; this
 * table says which roles hold it. No test is generated from it: the tests write the matrix out
 * again on their own (test/integration/role-matrix.test.ts for orders, payments, inventory,
 * reports and admin; catalog-roles.test.ts for catalog and customers; users.test.ts for users),
 * so a wrong entry here fails a test instead of being copied into one.
 */
import type { Role } from "../../db/schema";

export const PERMISSIONS = {
  /** List and read any user. Everyone may read themselves. */
  "users:read": ["admin", "manager"],
  /** Create users, change roles and activation. */
  "users:manage": ["admin"],
  /** Create and change stores (every staff member reads the stores they work at). */
  "stores:manage": ["admin"],
  /** Read products (every role: tills scan, officers count). */
  "catalog:read": ["admin", "manager", "cashier", "inventory_officer"],
  "catalog:write": ["admin", "manager", "inventory_officer"],
  "inventory:write": ["admin", "manager", "inventory_officer"],
  "inventory:read": ["admin", "manager", "inventory_officer"],
  /**
   * Transfers between stores, checked per end (services/transfers-view.ts):
   * read at either end; write at the source (create, send, cancel) or at the
   * destination (receive).
   */
  "transfers:read": ["admin", "manager", "inventory_officer"],
  "transfers:write": ["admin", "manager", "inventory_officer"],
  "customers:write": ["admin", "manager", "cashier"],
  /**
   * Add or remove loyalty points by hand (POST /customers/{id}/loyalty-points):
   * points are money, so a till cannot hand them out. Sales and refunds move
   * points by themselves, whoever rings them up.
   */
  "loyalty:adjust": ["admin", "manager"],
  "orders:create": ["admin", "manager", "cashier"],
  /** Cashiers read the orders they rang up; managers and admins read all. */
  "orders:read": ["admin", "manager", "cashier"],
  "payments:create": ["admin", "manager", "cashier"],
  /** Cashiers read payments on the orders they rang up. */
  "payments:read": ["admin", "manager", "cashier"],

  /**
   * Cash drawers and shifts (services/shifts*.ts). Cashiers open, end and
   * close their own shifts and record cash events on them; until a shift is
   * closed they do not see its expected cash or variance (a blind count).
   */
  "shifts:operate": ["admin", "manager", "cashier"],
  /** Every shift of the store with expected cash at any time, approvals, drawers and the store's cash settings. */
  "shifts:manage": ["admin", "manager"],

  "orders:manage": ["admin", "manager"],
  "refunds:create": ["admin", "manager"],
  "prices:override": ["admin", "manager"],
  "reports:read": ["admin", "manager"],
  /** List the backups that exist. */
  "backups:read": ["admin", "manager"],
  /** Operational tools: the email log, a backup on demand, stock reconcile and resync. */
  "admin:operate": ["admin"],
  /** The audit trail and entity histories (managers: their stores' events and the head office's about their stores). */
  "audit:read": ["admin", "manager"],
  /** Webhook endpoints, their deliveries, and the events feed (an integration sees every store). */
  "webhooks:manage": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const hasPermission = (role: Role, permission: Permission): boolean =>
  (PERMISSIONS[permission] as readonly Role[]).includes(role);
