/**
 * Customers: records with versioned updates, search, and the loyalty-points
 * ledger. Every write records, in its own batch, its audit event and the
 * `customer.created` / `customer.updated` event of the feed and the webhooks
 * (payload: the customer as GET /customers/{id} answers it), whose
 * deliveries are enqueued after the commit.
 */
import { type AuditEntry, type AuditFields, auditAt, auditStatement, changedFields } from "../audit/record";
import { Batch, statement } from "../db/batch";
import { dbFor } from "../db/client";
import {
  addPoints,
  type CustomerFields,
  type CustomerRecord,
  customerById,
  insertCustomer,
  isCustomerIdTaken,
  type LedgerRecord,
  manualLedgerEntry,
  nextCustomerId,
  pageOfCustomers,
  pageOfLedger,
  updateCustomerVersioned,
} from "../db/customers";
import type { Page, PageRequest } from "../db/paging";
import { failUnlessUpdated, isLostRace } from "../db/versioned";
import { recordEventStatements } from "../events/record";
import type { EventType } from "../events/types";
import type { AuthUser } from "../lib/auth/current-user";
import { isCheckViolation, uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import type { ServiceContext } from "./context";
import { toCustomerView } from "./customers-view";

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

/** The customer's fields an audit event compares (as the API names them; money in cents). */
const auditFields = (row: CustomerRecord): AuditFields => {
  const { id: _id, version: _version, created_at: _created, updated_at: _updated, ...fields } = toCustomerView(row);
  return { ...fields, total_spent: row.totalSpent };
};

/** The feed's event of a customer as `row` now is, its key unique per version. */
function customerEvent(ctx: ServiceContext, type: Extract<EventType, `customer.${string}`>, row: CustomerRecord) {
  const now = ctx.now().toISOString();
  const key = type === "customer.created" ? `${type}:${row.id}` : `${type}:${row.id}:v${row.version}`;
  const event = {
    key,
    type,
    storeId: ctx.actor().storeId,
    resourceType: "customer",
    resourceId: row.id,
    resourceVersion: row.version,
    payload: toCustomerView(row),
    occurredAt: now,
  };
  return { key, statements: recordEventStatements(ctx.hq.d1, event, now) };
}

/** After the commit: the event's deliveries go to the webhooks queue (the sweep sends any this misses). */
const enqueueAfterCommit = (ctx: ServiceContext, key: string) =>
  ctx.defer(enqueueDeliveriesOf(ctx.env, ctx.hq.d1, [key]));

/** How often a write re-reads the customer after another writer changed it first. */
const RACE_RETRIES = 3;
/**
 * How often a creation tries the next id after racing creations took it:
 * each round one of the racers wins, so this many tills signing customers up
 * in the same instant all succeed.
 */
const CREATE_RETRIES = 12;

/**
 * Creates a customer. Its id is chosen before the batch (the feed event's
 * key names it): a racing creation that took it makes this one try the next.
 */
export async function createCustomer(ctx: ServiceContext, input: CustomerInput): Promise<CustomerRecord> {
  const now = isoNow(ctx.now());
  for (let attempt = 0; ; attempt++) {
    // From the primary: a replica's older MAX would name an id already taken.
    const id = await nextCustomerId(dbFor(ctx.hqPrimary));
    const values = {
      id,
      firstName: input.first_name,
      lastName: input.last_name,
      ...columns(input),
      createdAt: now,
      updatedAt: now,
    };
    // The row as the INSERT writes it (the columns' defaults: no points, nothing spent, active, version 1).
    const written: CustomerRecord = {
      email: null,
      phone: null,
      address: null,
      city: null,
      state: null,
      zipCode: null,
      country: null,
      notes: null,
      loyaltyPoints: 0,
      totalSpent: 0,
      isActive: true,
      version: 1,
      ...values,
    };
    const event = customerEvent(ctx, "customer.created", written);
    const batch = new Batch(ctx.hq.d1);
    const inserted = batch.add(insertCustomer(ctx.hq, values));
    batch.add(
      statement(
        auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
          action: "customer.created",
          entityType: "customer",
          entityId: id,
          after: auditFields(written),
        }),
      ),
    );
    for (const prepared of event.statements) batch.add(statement(prepared));
    try {
      await batch.commit();
    } catch (error) {
      if (isCustomerIdTaken(error)) {
        if (attempt + 1 < CREATE_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
          continue;
        }
        throw new ApiError("CONFLICT", "Too many customers are being added at once; retry the request");
      }
      throw duplicateEmail(error) ?? error;
    }
    enqueueAfterCommit(ctx, event.key);
    return inserted.value ?? written;
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

/**
 * Changes a customer; `expected` (the version the client read) makes a stale
 * write a 409, which records nothing. A deactivation is `customer.deactivated`
 * in the trail and `customer.updated` in the feed.
 */
export async function updateCustomer(
  ctx: ServiceContext,
  id: number,
  change: Partial<CustomerInput>,
  expected: number | undefined,
  action: "customer.updated" | "customer.deactivated" = "customer.updated",
): Promise<CustomerRecord> {
  let eventKey = "";
  const row = await updateCustomerVersioned(
    ctx.hq,
    { id, expected, set: columns(change), now: isoNow(ctx.now()), onError: duplicateEmail },
    (current, next) => {
      const event = customerEvent(ctx, "customer.updated", next);
      eventKey = event.key;
      const entry: AuditEntry = {
        action,
        entityType: "customer",
        entityId: id,
        ...changedFields(auditFields(current), auditFields(next)),
      };
      return [auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), entry), ...event.statements];
    },
  );
  enqueueAfterCommit(ctx, eventKey);
  return row;
}

/** Deactivates a customer (whatever its version); the record and its history stay. */
export const deactivateCustomer = (ctx: ServiceContext, id: number): Promise<CustomerRecord> =>
  updateCustomer(ctx, id, { is_active: false }, undefined, "customer.deactivated");

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
  for (let attempt = 0; ; attempt++) {
    const customer = await getCustomer(ctx, customerId);
    const now = isoNow(ctx.now());
    // What the guarded UPDATE leaves: the events below describe it.
    const next = {
      ...customer,
      loyaltyPoints: customer.loyaltyPoints + delta,
      version: customer.version + 1,
      updatedAt: now,
    };
    const event = customerEvent(ctx, "customer.updated", next);
    const batch = new Batch(ctx.hq.d1);
    batch.add(addPoints(ctx.hq.d1, customerId, delta, now, customer));
    batch.add(statement(failUnlessUpdated(ctx.hq.d1)));
    const entry = batch.add(manualLedgerEntry(ctx.hq.d1, { customerId, delta, reason, userId: actor.id, now }));
    batch.add(
      statement(
        auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
          action: "customer.points.adjusted",
          entityType: "customer",
          entityId: customerId,
          before: { loyalty_points: customer.loyaltyPoints },
          after: { loyalty_points: next.loyaltyPoints },
          reason,
        }),
      ),
    );
    for (const prepared of event.statements) batch.add(statement(prepared));
    batch.refuseOn(
      (error) => isCheckViolation(error),
      () =>
        new ApiError("CONFLICT", `Customer has ${customer.loyaltyPoints} points; cannot remove ${-delta}`, {
          extra: { available_points: customer.loyaltyPoints },
        }),
    );
    try {
      await batch.commit();
    } catch (error) {
      // A sale or another adjustment moved the points since they were read: read them again.
      if (isLostRace(error) && attempt + 1 < RACE_RETRIES) continue;
      if (isLostRace(error)) throw new ApiError("CONFLICT", "The customer's points keep changing; try again");
      throw error;
    }
    enqueueAfterCommit(ctx, event.key);
    const row = entry.value;
    if (!row) throw new Error("ledger insert returned no row");
    return { customer_id: customerId, loyalty_points: row.balanceAfter, delta, entry: row };
  }
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
