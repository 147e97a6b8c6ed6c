/** Customers: records with versioned updates, search, and the loyalty-points ledger. */
import { and, asc, count, desc, eq, or, type SQL, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { customers, loyaltyLedger } from "../db/schema";
import { toDecimal } from "../domain/money";
import { escapeLike } from "../domain/search";
import type { AuthUser } from "../lib/auth/current-user";
import { isCheckViolation, uniqueViolation } from "../lib/db-errors";
import { ApiError, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { explainMissedUpdate } from "./versioning";

export type CustomerRow = typeof customers.$inferSelect;

export const toCustomerView = (row: CustomerRow) => ({
  id: row.id,
  first_name: row.firstName,
  last_name: row.lastName,
  email: row.email,
  phone: row.phone,
  address: row.address,
  city: row.city,
  state: row.state,
  zip_code: row.zipCode,
  country: row.country,
  notes: row.notes,
  loyalty_points: row.loyaltyPoints,
  total_spent: toDecimal(row.totalSpent),
  is_active: row.isActive,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export interface CustomerInput {
  first_name: string;
  last_name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  zip_code?: string | null | undefined;
  country?: string | null | undefined;
  notes?: string | null | undefined;
  is_active?: boolean | undefined;
}

const columns = (input: Partial<CustomerInput>) => ({
  ...(input.first_name !== undefined ? { firstName: input.first_name } : {}),
  ...(input.last_name !== undefined ? { lastName: input.last_name } : {}),
  ...(input.email !== undefined ? { email: input.email } : {}),
  ...(input.phone !== undefined ? { phone: input.phone } : {}),
  ...(input.address !== undefined ? { address: input.address } : {}),
  ...(input.city !== undefined ? { city: input.city } : {}),
  ...(input.state !== undefined ? { state: input.state } : {}),
  ...(input.zip_code !== undefined ? { zipCode: input.zip_code } : {}),
  ...(input.country !== undefined ? { country: input.country } : {}),
  ...(input.notes !== undefined ? { notes: input.notes } : {}),
  ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
});

/**
 * Email is unique among customers, case-insensitively, when present (the
 * partial unique index of migration 0013): the index decides, so two racing
 * writes cannot both take one address, and its failure becomes a 409 naming
 * the field.
 */
async function guardEmail<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (uniqueViolation(error) === "customers_email_unique") {
      throw new ApiError("DUPLICATE", "A customer with this email already exists", { extra: { field: "email" } });
    }
    throw error;
  }
}

export async function createCustomer(db: AppDatabase, input: CustomerInput): Promise<CustomerRow> {
  const now = isoNow();
  const [row] = await guardEmail(
    db
      .insert(customers)
      .values({
        firstName: input.first_name,
        lastName: input.last_name,
        ...columns(input),
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
  );
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function getCustomer(db: AppDatabase, id: number): Promise<CustomerRow> {
  const row = await db.select().from(customers).where(eq(customers.id, id)).get();
  if (!row) throw notFound("Customer");
  return row;
}

export interface CustomerFilters {
  skip: number;
  limit: number;
  is_active?: boolean | "all" | undefined;
  q?: string | undefined;
}

/** Lists (and, with `q`, searches name, email and phone); active customers unless asked otherwise. */
export async function listCustomers(db: AppDatabase, filters: CustomerFilters) {
  const conditions: (SQL | undefined)[] = [];
  const active = filters.is_active ?? true;
  if (active !== "all") conditions.push(eq(customers.isActive, active));
  if (filters.q) {
    const pattern = `%${escapeLike(filters.q)}%`;
    conditions.push(
      or(
        sql`(${customers.firstName} || ' ' || ${customers.lastName}) LIKE ${pattern} ESCAPE '\\'`,
        sql`${customers.email} LIKE ${pattern} ESCAPE '\\'`,
        sql`${customers.phone} LIKE ${pattern} ESCAPE '\\'`,
      ),
    );
  }
  const where = and(...conditions);
  const [rows, totals] = await db.batch([
    db
      .select()
      .from(customers)
      .where(where)
      .orderBy(asc(customers.lastName), asc(customers.firstName), asc(customers.id))
      .limit(filters.limit)
      .offset(filters.skip),
    db.select({ total: count() }).from(customers).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

export async function updateCustomer(
  db: AppDatabase,
  id: number,
  change: Partial<CustomerInput>,
  expected: number | undefined,
): Promise<CustomerRow> {
  const [row] = await guardEmail(
    db
      .update(customers)
      .set({ ...columns(change), version: sql`${customers.version} + 1`, updatedAt: isoNow() })
      .where(and(eq(customers.id, id), expected === undefined ? undefined : eq(customers.version, expected)))
      .returning(),
  );
  if (row) return row;
  return explainMissedUpdate(
    "Customer",
    expected,
    async () => (await getCustomer(db, id).catch(() => undefined))?.version,
  );
}

/**
 * Adds (or with a negative delta removes) points and writes the ledger row in
 * the same batch. The balance can never go below zero: the CHECK constraint
 * on `customers.loyalty_points` fails the whole batch, so no read-then-write
 * race can overdraw it.
 */
export async function adjustPoints(
  db: AppDatabase,
  actor: AuthUser,
  customerId: number,
  delta: number,
  reason: string,
) {
  const customer = await getCustomer(db, customerId);
  const now = isoNow();
  try {
    const [, entries] = await db.batch([
      db
        .update(customers)
        .set({ loyaltyPoints: sql`${customers.loyaltyPoints} + ${delta}`, updatedAt: now })
        .where(eq(customers.id, customerId)),
      db
        .insert(loyaltyLedger)
        .select(
          db
            .select({
              id: sql<number>`NULL`.as("id"),
              customerId: customers.id,
              delta: sql<number>`${delta}`.as("delta"),
              balanceAfter: customers.loyaltyPoints,
              reason: sql<string>`${reason}`.as("reason"),
              userId: sql<number>`${actor.id}`.as("user_id"),
              orderId: sql<number | null>`NULL`.as("order_id"),
              createdAt: sql<string>`${now}`.as("created_at"),
            })
            .from(customers)
            .where(eq(customers.id, customerId)),
        )
        .returning(),
    ]);
    const entry = entries[0];
    if (!entry) throw new Error("ledger insert returned no row");
    return { customer_id: customerId, loyalty_points: entry.balanceAfter, delta, entry };
  } catch (error) {
    if (isCheckViolation(error)) {
      throw new ApiError("CONFLICT", `Customer has ${customer.loyaltyPoints} points; cannot remove ${-delta}`, {
        extra: { available_points: customer.loyaltyPoints },
      });
    }
    throw error;
  }
}

export type LedgerRow = typeof loyaltyLedger.$inferSelect;

export const toLedgerView = (row: LedgerRow) => ({
  id: row.id,
  customer_id: row.customerId,
  delta: row.delta,
  balance_after: row.balanceAfter,
  reason: row.reason,
  user_id: row.userId,
  order_id: row.orderId,
  created_at: row.createdAt,
});

export async function listLedger(db: AppDatabase, customerId: number, skip: number, limit: number) {
  await getCustomer(db, customerId);
  const where = eq(loyaltyLedger.customerId, customerId);
  const [rows, totals] = await db.batch([
    db.select().from(loyaltyLedger).where(where).orderBy(desc(loyaltyLedger.id)).limit(limit).offset(skip),
    db.select({ total: count() }).from(loyaltyLedger).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}
