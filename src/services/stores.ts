/**
 * The chain's stores as records (README "Stores"): admins create and change
 * them; staff read the stores they work at (home store and stores where they
 * hold a role). A store's database is a D1 binding of this Worker: the API
 * cannot create databases, so a store whose binding the Worker lacks is
 * refused (`npm run store:add` makes the database, the binding and the row).
 */
import { auditAt, auditInsert, auditStatement, changedFields, LAST_INSERTED } from "../audit/record";
import type { Page, PageRequest } from "../db/paging";
import { mapPage } from "../db/paging";
import { type StoreStatus, stores } from "../db/schema";
import { findStore, findStoreVisibleTo, insertStore, type Store, storePage } from "../db/stores";
import { updateVersionedWith } from "../db/versioned";
import { isValidTimeZone } from "../domain/time-zone";
import type { AuthUser } from "../lib/auth/current-user";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { forgetStoreDirectory } from "../stores/directory";
import type { ServiceContext } from "./context";

export const toStoreView = (row: Store) => ({
  id: row.id,
  code: row.code,
  name: row.name,
  address_lines: row.addressLines,
  phone: row.phone,
  time_zone: row.timeZone,
  currency: row.currency,
  status: row.status,
  binding: row.binding,
  database_name: row.databaseName,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type StoreView = ReturnType<typeof toStoreView>;

/** A store's fields an audit event compares (the view without its id, version and times). */
const auditFields = (row: Omit<Store, "id" | "version">) => {
  const {
    id: _id,
    version: _version,
    created_at: _created,
    updated_at: _updated,
    ...fields
  } = toStoreView({
    ...row,
    id: 0,
    version: 0,
  });
  return fields;
};

export interface StoreInput {
  code: string;
  name: string;
  address_lines?: string[] | undefined;
  phone?: string | null | undefined;
  time_zone: string;
  currency: string;
  status?: StoreStatus | undefined;
  binding?: string | undefined;
  database_name?: string | undefined;
}

export type StoreChange = Partial<StoreInput>;

/** Admins see every store; everyone else the stores they work at. */
const seesEveryStore = (actor: Pick<AuthUser, "role">) => actor.role === "admin";

export const defaultBinding = (code: string) => `STORE_${code}`;
export const defaultDatabaseName = (code: string) => `pos-store-${code.toLowerCase()}`;

function assertTimeZone(timeZone: string | undefined) {
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
    throw invalidField(
      ["body", "time_zone"],
      `Unknown time zone '${timeZone}' (use an IANA name such as Europe/Berlin)`,
    );
  }
}

/** The Worker must already have the store's D1 binding: the API cannot create one. */
function assertBindingConfigured(ctx: ServiceContext, binding: string) {
  const value = (ctx.env as unknown as Record<string, unknown>)[binding];
  if (!value || typeof (value as D1Database).prepare !== "function") {
    throw invalidField(
      ["body", "binding"],
      `This Worker has no D1 binding ${binding}; create the store's database with \`npm run store:add\` (it adds the binding to wrangler.toml) and deploy before creating the store here`,
    );
  }
}

const duplicateStore = (error: unknown) => {
  const violated = uniqueViolation(error);
  if (!violated) return null;
  const field = violated.includes("binding") ? "binding" : "code";
  return new ApiError("DUPLICATE", `A store with this ${field} already exists`, { extra: { field } });
};

export async function listStores(
  ctx: ServiceContext,
  actor: Pick<AuthUser, "id" | "role">,
  query: PageRequest,
): Promise<Page<StoreView>> {
  const page = await storePage(ctx.hq.db, { ...query, visibleTo: seesEveryStore(actor) ? undefined : actor.id });
  return mapPage(page, toStoreView);
}

/** One store; 404 for a store the caller does not work at, as for one that does not exist. */
export async function getStore(
  ctx: ServiceContext,
  actor: Pick<AuthUser, "id" | "role">,
  id: number,
): Promise<StoreView> {
  const row = seesEveryStore(actor)
    ? await findStore(ctx.hq.db, id)
    : await findStoreVisibleTo(ctx.hq.db, id, actor.id);
  if (!row) throw notFound("Store");
  return toStoreView(row);
}

export async function createStore(ctx: ServiceContext, input: StoreInput): Promise<StoreView> {
  assertTimeZone(input.time_zone);
  const binding = input.binding ?? defaultBinding(input.code);
  assertBindingConfigured(ctx, binding);
  const now = isoNow(ctx.now());
  const values = {
    code: input.code,
    name: input.name,
    addressLines: input.address_lines ?? [],
    phone: input.phone ?? null,
    timeZone: input.time_zone,
    currency: input.currency,
    status: input.status ?? "active",
    binding,
    databaseName: input.database_name ?? defaultDatabaseName(input.code),
    createdAt: now,
    updatedAt: now,
  };
  const audit = auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
    action: "store.created",
    entityType: "store",
    entityId: LAST_INSERTED,
    after: auditFields(values),
  });
  let row: Store;
  try {
    row = await insertStore(ctx.hq.db, values, audit);
  } catch (error) {
    throw duplicateStore(error) ?? error;
  }
  // Requests that name the new store must find it (the directory caches the stores per isolate).
  forgetStoreDirectory(ctx.hq.d1);
  forgetStoreDirectory(ctx.env.DB);
  return toStoreView(row);
}

/**
 * A versioned update (409 VERSION_CONFLICT when `expected` is stale). The
 * code and the binding name the store's ids, order numbers and database:
 * sending a different one is 422.
 */
export async function updateStore(
  ctx: ServiceContext,
  id: number,
  change: StoreChange,
  expected: number | undefined,
): Promise<StoreView> {
  const current = await findStore(ctx.hq.db, id);
  if (!current) throw notFound("Store");
  if (change.code !== undefined && change.code !== current.code) {
    throw invalidField(
      ["body", "code"],
      `A store's code cannot change (it is in its order numbers); it is ${current.code}`,
    );
  }
  if (change.binding !== undefined && change.binding !== current.binding) {
    throw invalidField(["body", "binding"], `A store's database binding cannot change; it is ${current.binding}`);
  }
  assertTimeZone(change.time_zone);
  const row = await updateVersionedWith(
    ctx.hq,
    stores,
    {
      what: "Store",
      id,
      expected,
      set: {
        name: change.name,
        addressLines: change.address_lines,
        phone: change.phone,
        timeZone: change.time_zone,
        currency: change.currency,
        status: change.status,
        databaseName: change.database_name,
      },
      now: isoNow(ctx.now()),
      onError: duplicateStore,
    },
    (before, after) => [
      auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
        action: "store.updated",
        entityType: "store",
        entityId: id,
        ...changedFields(auditFields(before), auditFields(after)),
      }),
    ],
  );
  return toStoreView(row);
}
