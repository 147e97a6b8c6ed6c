/**
 * What the after-commit notifications read that no aggregate's module
 * answers in one query: an order's receipt address (its number and its
 * customer's email). Read-only; the rows belong to orders and customers.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { AppDatabase } from "./client";
import { customers, orders } from "./schema";

/** The order's number and its customer's email, or undefined when it has no customer with an email. */
export const receiptAddress = (db: AppDatabase, orderId: number) =>
  db
    .select({ orderNumber: orders.orderNumber, email: customers.email })
    .from(orders)
    .innerJoin(customers, eq(customers.id, orders.customerId))
    .where(and(eq(orders.id, orderId), isNotNull(customers.email)))
    .get();
