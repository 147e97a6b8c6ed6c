/** Customers: records with versioned updates, search, and the loyalty-points ledger. */
import { Batch } from "../db/batch";
import {
  addPoints,
  type CustomerFields,
  type CustomerRecord,
  customerById,
  insertCustomer,
  type LedgerRecord,
  manualLedgerEntry,
  pageOfCustomers,
  pageOfLedger,
  updateCustomerVersioned,
} from "../db/customers";
import type { Page, PageRequest } from "../db/paging";
import type { AuthUser } from "../lib/auth/current-user";
import { isCheckViolation, uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import type { ServiceContext } from "./context";

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

const columns = (input: Partial<CustomerInput>): CustomerFields => ({
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
 * partial unique index customers_email_unique): the index decides, so two racing
 * writes cannot both take one address, and its failure becomes a 409 naming
 * the field.
 */
const duplicateEmail = (error: unknown): ApiError | undefined =>
  uniqueViolation(error) === "customers_email_unique"
    ? new ApiError("DUPLICATE", "A customer with this email already exists", { extra: { field: "email" } })
    : undefined;

export async function createCustomer(ctx: ServiceContext, input: CustomerInput): Promise<CustomerRecord> {
  const now = isoNow(ctx.now());
  try {
    return await insertCustomer(ctx.hq.db, {
      firstName: input.first_name,
      lastName: input.last_name,
      ...columns(input),
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    throw duplicateEmail(error) ?? error;
  }
}

export async function getCustomer(ctx: ServiceContext, id: number): Promise<CustomerRecord> {
  const row = await customerById(ctx.hq.db, id);
  if (!row) throw notFound("Customer");
  return row;
}

export interface CustomerFilters extends PageRequest {
  is_active?: boolean | "all" | undefined;
  q?: string | undefined;
}

/** Lists (and, with `q`, searches name, email and phone); active customers unless asked otherwise. */
export const listCustomers = (ctx: ServiceContext, filters: CustomerFilters): Promise<Page<CustomerRecord>> =>
  pageOfCustomers(ctx.hq.db, {
    skip: filters.skip,
    limit: filters.limit,
    active: filters.is_active ?? true,
    q: filters.q,
  });

/** Changes a customer; `expected` (the version the client read) makes a stale write a 409. */
export const updateCustomer = (
  ctx: ServiceContext,
  id: number,
  change: Partial<CustomerInput>,
  expected: number | undefined,
): Promise<CustomerRecord> =>
  updateCustomerVersioned(ctx.hq.db, {
    id,
    expected,
    set: columns(change),
    now: isoNow(ctx.now()),
    onError: duplicateEmail,
  });

/** Deactivates a customer (whatever its version); the record and its history stay. */
export const deactivateCustomer = (ctx: ServiceContext, id: number): Promise<CustomerRecord> =>
  updateCustomer(ctx, id, { is_active: false }, undefined);

/** A manual adjustment as the request sent it: the JSON body, or the deprecated query form. */
export interface PointsRequest {
  body: { points?: number | undefined; reason?: string | undefined };
  query: { points?: number | undefined; reason?: string | undefined };
}

const LEGACY_REASON = "Adjusted through the deprecated ?points= form, which sends no reason";

/**
 * The points and reason of a manual adjustment, or 422 naming the field.
 * The replaced API's clients send `?points=120` alone, and the seed contract
 * says that keeps working: that one deprecated form gets a reason saying so
 * (the ledger row still names who did it). Everything else must give one.
 */
function manualAdjustment(ctx: ServiceContext, request: PointsRequest): { points: number; reason: string } {
  const { body, query } = request;
  const points = body.points ?? query.points;
  if (points === undefined) throw invalidField(["body", "points"], "Field required", "missing");
  const from = body.points !== undefined ? "body" : "query";
  const reason =
    body.reason ?? query.reason ?? (from === "query" && query.reason === undefined ? LEGACY_REASON : undefined);
  if (reason === undefined) {
    throw invalidField([from, "reason"], "Field required: say why the points change, in the body", "missing");
  }
  const cap = ctx.config.loyaltyMaxManualAdjustment;
  if (Math.abs(points) > cap) {
    throw invalidField(
      [from, "points"],
      `A manual adjustment moves at most ${cap} points either way (LOYALTY_MAX_MANUAL_ADJUSTMENT)`,
      "less_than_equal",
    );
  }
  return { points, reason };
}

export interface PointsAdjusted {
  customer_id: number;
  loyalty_points: number;
  delta: number;
  entry: LedgerRecord;
}

/**
 * Adds (or with a negative delta removes) points and writes the ledger row in
 * the same batch. The balance can never go below zero: the CHECK constraint
 * on `customers.loyalty_points` fails the whole batch, so no read-then-write
 * race can overdraw it.
 */
export async function adjustPoints(
  ctx: ServiceContext,
  actor: AuthUser,
  customerId: number,
  request: PointsRequest,
): Promise<PointsAdjusted> {
  const { points: delta, reason } = manualAdjustment(ctx, request);
  const customer = await getCustomer(ctx, customerId);
  const now = isoNow(ctx.now());
  const batch = new Batch(ctx.hq.d1);
  batch.add(addPoints(ctx.hq.d1, customerId, delta, now));
  const entry = batch.add(manualLedgerEntry(ctx.hq.d1, { customerId, delta, reason, userId: actor.id, now }));
  batch.refuseOn(
    (error) => isCheckViolation(error),
    () =>
      new ApiError("CONFLICT", `Customer has ${customer.loyaltyPoints} points; cannot remove ${-delta}`, {
        extra: { available_points: customer.loyaltyPoints },
      }),
  );
  await batch.commit();
  const row = entry.value;
  if (!row) throw new Error("ledger insert returned no row");
  return { customer_id: customerId, loyalty_points: row.balanceAfter, delta, entry: row };
}

/** A customer's ledger, newest first (404 when the customer does not exist). */
export async function listLedger(
  ctx: ServiceContext,
  customerId: number,
  page: PageRequest,
): Promise<Page<LedgerRecord>> {
  await getCustomer(ctx, customerId);
  return pageOfLedger(ctx.hq.db, customerId, page);
}
