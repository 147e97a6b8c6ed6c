/**
 * The customers aggregate's SQL: customer records (Drizzle, versioned
 * updates through versioned.ts), their loyalty ledger's pages, and the
 * statements of a manual points adjustment. The statements a sale or refund
 * runs on points live with those protocols.
 */
import { and, asc, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { escapeLike } from "../domain/search";
import { returningRow, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import type { Row } from "./rows";
import { customers, loyaltyLedger } from "./schema";
import { updateVersioned, type VersionedUpdate } from "./versioned";

export type CustomerRecord = Row<typeof customers>;
export type LedgerRecord = Row<typeof loyaltyLedger>;
export type CustomerFields = Partial<typeof customers.$inferInsert>;

export const customerById = (db: AppDatabase, id: number): Promise<CustomerRecord | undefined> =>
  db.select().from(customers).where(eq(customers.id, id)).get();

export async function insertCustomer(db: AppDatabase, values: typeof customers.$inferInsert): Promise<CustomerRecord> {
  const [row] = await db.insert(customers).values(values).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** A versioned update of one customer: the new row, or 404 / 409 VERSION_CONFLICT. */
export const updateCustomerVersioned = (
  db: AppDatabase,
  update: Omit<VersionedUpdate<typeof customers>, "what">,
): Promise<CustomerRecord> => updateVersioned(db, customers, { what: "Customer", ...update });

export interface CustomerQuery extends PageRequest {
  /** Only active (true) or inactive (false) customers, or both ("all"). */
  active: boolean | "all";
  /** Searched in the full name, email and phone. */
  q?: string | undefined;
}

const matching = (q: string): SQL | undefined => {
  const pattern = `%${escapeLike(q)}%`;
  return or(
    sql`(${customers.firstName} || ' ' || ${customers.lastName}) LIKE ${pattern} ESCAPE '\\'`,
    sql`${customers.email} LIKE ${pattern} ESCAPE '\\'`,
    sql`${customers.phone} LIKE ${pattern} ESCAPE '\\'`,
  );
};

/** By last name, first name, id. */
export const pageOfCustomers = (db: AppDatabase, query: CustomerQuery): Promise<Page<CustomerRecord>> =>
  pageOf(db, customers, {
    where: and(
      query.active === "all" ? undefined : eq(customers.isActive, query.active),
      query.q ? matching(query.q) : undefined,
    ),
    orderBy: [asc(customers.lastName), asc(customers.firstName), asc(customers.id)],
    skip: query.skip,
    limit: query.limit,
  });

/** A customer's ledger, newest first. */
export const pageOfLedger = (db: AppDatabase, customerId: number, page: PageRequest): Promise<Page<LedgerRecord>> =>
  pageOf(db, loyaltyLedger, {
    where: eq(loyaltyLedger.customerId, customerId),
    orderBy: [desc(loyaltyLedger.id)],
    skip: page.skip,
    limit: page.limit,
  });

/**
 * Moves a customer's points by `delta` (the CHECK `customers_points_non_negative`
 * refuses a balance below zero, failing the whole batch).
 */
export const addPoints = (d1: D1Database, customerId: number, delta: number, now: string): Statement<D1Result> =>
  statement(
    d1
      .prepare("UPDATE customers SET loyalty_points = loyalty_points + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(customerId, delta, now),
  );

/** The ledger row of a manual adjustment, with the balance the statement before it left. */
export const manualLedgerEntry = (
  d1: D1Database,
  entry: { customerId: number; delta: number; reason: string; userId: number; now: string },
): Statement<LedgerRecord | undefined> =>
  returningRow(
    loyaltyLedger,
    d1
      .prepare(
        `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
         SELECT id, ?2, loyalty_points, ?3, ?4, NULL, ?5 FROM customers WHERE id = ?1 RETURNING *`,
      )
      .bind(entry.customerId, entry.delta, entry.reason, entry.userId, entry.now),
  );
