/**
 * The customers aggregate's SQL: customer records (Drizzle, versioned
 * updates through versioned.ts), their loyalty ledger's pages, and the
 * statements of a manual points adjustment. The statements a sale or refund
 * runs on points live with those protocols.
 */
import { and, asc, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { escapeLike } from "../domain/search";
import { uniqueViolation } from "../lib/db-errors";
import { returningRow, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import type { Row } from "./rows";
import { customers, loyaltyLedger } from "./schema";
import { type AlongsideUpdate, updateVersionedWith, type VersionedUpdate } from "./versioned";

export type CustomerRecord = Row<typeof customers>;
export type LedgerRecord = Row<typeof loyaltyLedger>;
export type CustomerFields = Partial<typeof customers.$inferInsert>;

export const customerById = (db: AppDatabase, id: number): Promise<CustomerRecord | undefined> =>
  db.select().from(customers).where(eq(customers.id, id)).get();

/**
 * The id the next customer would get, for a creation that must name its id
 * inside its own batch (its feed event's key); a racing creation that takes
 * it first makes the batch fail on the primary key (`isCustomerIdTaken`).
 */
export async function nextCustomerId(db: AppDatabase): Promise<number> {
  const row = await db
    .select({ next: sql<number>`COALESCE(MAX(${customers.id}), 0) + 1` })
    .from(customers)
    .get();
  return row?.next ?? 1;
}

/** A customer with its id chosen (`nextCustomerId`), RETURNING the row, for a `Batch` with its events. */
export function insertCustomer(
  hq: { d1: D1Database; db: AppDatabase },
  values: typeof customers.$inferInsert & { id: number },
): Statement<CustomerRecord | undefined> {
  const query = hq.db.insert(customers).values(values).returning().toSQL();
  return returningRow(customers, hq.d1.prepare(query.sql).bind(...query.params));
}

/** The batch failed because a racing creation took the id `nextCustomerId` gave. */
export const isCustomerIdTaken = (error: unknown) => uniqueViolation(error) === "id";

/**
 * A versioned update of one customer: the new row, or 404 / 409
 * VERSION_CONFLICT; `alongside` (its audit and feed events) commits with it.
 */
export const updateCustomerVersioned = (
  hq: { d1: D1Database; db: AppDatabase },
  update: Omit<VersionedUpdate<typeof customers>, "what">,
  alongside: AlongsideUpdate<typeof customers>,
): Promise<CustomerRecord> => updateVersionedWith(hq, customers, { what: "Customer", ...update }, alongside);

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
 * Moves a customer's points by `delta`, a new version of the record (the
 * CHECK `customers_points_non_negative` refuses a balance below zero, failing
 * the whole batch). Only while the record is as `seen` (version, points and
 * spending: sales move points without a new version), so the batch's events
 * can say what it became; otherwise it changes nothing (see `unlessChanged`).
 */
export const addPoints = (
  d1: D1Database,
  customerId: number,
  delta: number,
  now: string,
  seen: Pick<CustomerRecord, "version" | "loyaltyPoints" | "totalSpent">,
): Statement<D1Result> =>
  statement(
    d1
      .prepare(
        `UPDATE customers SET loyalty_points = loyalty_points + ?2, version = version + 1, updated_at = ?3
         WHERE id = ?1 AND version = ?4 AND loyalty_points = ?5 AND total_spent = ?6`,
      )
      .bind(customerId, delta, now, seen.version, seen.loyaltyPoints, seen.totalSpent),
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
