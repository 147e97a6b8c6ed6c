/**
 * Cash drawers, shifts and cash events through the API (README "Shifts"),
 * for any test that needs a till with an open shift. Each helper fails
 * loudly on an unexpected status; the `*Response` forms return the raw
 * Response for tests that check refusals.
 */
import { call, expectJson } from "./api";
import { atStore } from "./stores";

export interface DrawerOut {
  id: number;
  store_id: number;
  name: string;
  active: boolean;
  current_shift: { id: number; status: string; cashier_id: number } | null;
}

export interface ShiftOut {
  id: number;
  store_id: number;
  drawer_id: number;
  drawer_name: string;
  cashier_id: number;
  status: "open" | "ended" | "closed";
  opening_float: number;
  expected_opening: number | null;
  opening_variance: number | null;
  opened_at: string;
  ended_at: string | null;
  closed_at: string | null;
  closed_by: number | null;
  counted_cash: number | null;
  denominations: { value: number; count: number }[] | null;
  expected_cash: number | null;
  variance: number | null;
  variance_reason: string | null;
  kept_in_drawer: number | null;
  z_number: number | null;
  notes: string | null;
}

export interface CashEventOut {
  id: number;
  shift_id: number | null;
  drawer_id: number | null;
  kind: string;
  amount: number;
  cash_delta: number;
  reason: string | null;
  approval: "approved" | "pending" | "rejected";
  approved_by: number | null;
  user_id: number;
  late_of_shift_id: number | null;
}

export interface CashSettingsOut {
  store_id: number;
  requires_shift: boolean;
  variance_reason_threshold: number;
  paid_out_approval_threshold: number;
}

/** Headers for a store (none: the caller's home store) and an Idempotency-Key. */
const headersOf = (store?: number, key?: string): Record<string, string> => ({
  ...(store === undefined ? {} : atStore(store)),
  ...(key === undefined ? {} : { "Idempotency-Key": key }),
});

let drawers = 0;

/** A new active drawer at `store` (default the caller's home store); the name is made unique when omitted. */
export const createDrawer = (token: string, name?: string, store?: number) =>
  expectJson<DrawerOut>(
    call("POST", "/api/v1/cash-drawers", {
      token,
      headers: headersOf(store),
      body: { name: name ?? `Till ${++drawers}-${crypto.randomUUID().slice(0, 6)}` },
    }),
    201,
  );

export interface OpenOptions {
  store?: number;
  key?: string;
  notes?: string;
}

export const openShiftResponse = (token: string, drawerId: number, float: number, opts: OpenOptions = {}) =>
  call("POST", "/api/v1/shifts", {
    token,
    headers: headersOf(opts.store, opts.key),
    body: { drawer_id: drawerId, opening_float: float, ...(opts.notes === undefined ? {} : { notes: opts.notes }) },
  });

export const openShift = (token: string, drawerId: number, float: number, opts: OpenOptions = {}) =>
  expectJson<ShiftOut>(openShiftResponse(token, drawerId, float, opts), 201);

export const getShift = (token: string, shiftId: number) =>
  expectJson<ShiftOut>(call("GET", `/api/v1/shifts/${shiftId}`, { token }), 200);

export const endShiftResponse = (token: string, shiftId: number, key?: string) =>
  call("POST", `/api/v1/shifts/${shiftId}/end`, { token, headers: headersOf(undefined, key) });

export const endShift = (token: string, shiftId: number, key?: string) =>
  expectJson<ShiftOut>(endShiftResponse(token, shiftId, key), 200);

export interface CloseBody {
  counted_cash?: number;
  denominations?: { value: number; count: number }[];
  variance_reason?: string;
  kept_in_drawer?: number;
  notes?: string;
}

export const closeShiftResponse = (token: string, shiftId: number, body: CloseBody, key?: string) =>
  call("POST", `/api/v1/shifts/${shiftId}/close`, { token, body, headers: headersOf(undefined, key) });

export const closeShift = (token: string, shiftId: number, body: CloseBody, key?: string) =>
  expectJson<ShiftOut>(closeShiftResponse(token, shiftId, body, key), 200);

export interface CashEventBody {
  kind: "paid_in" | "paid_out" | "drop" | "no_sale";
  amount?: number;
  reason?: string;
}

export const addCashEventResponse = (token: string, shiftId: number, body: CashEventBody, key?: string) =>
  call("POST", `/api/v1/shifts/${shiftId}/cash-events`, { token, body, headers: headersOf(undefined, key) });

export const addCashEvent = (token: string, shiftId: number, body: CashEventBody, key?: string) =>
  expectJson<CashEventOut>(addCashEventResponse(token, shiftId, body, key), 201);

export const decideCashEvent = (token: string, shiftId: number, eventId: number, decision: "approve" | "reject") =>
  expectJson<CashEventOut>(
    call("POST", `/api/v1/shifts/${shiftId}/cash-events/${eventId}/${decision}`, { token }),
    200,
  );

export const listCashEvents = (token: string, shiftId: number) =>
  expectJson<{ data: CashEventOut[] }>(call("GET", `/api/v1/shifts/${shiftId}/cash-events`, { token }), 200).then(
    (page) => page.data,
  );

/** Changes a store's cash settings (decimals for the thresholds); `storeId` defaults to MAIN (1). */
export const setCashSettings = (token: string, change: Partial<Omit<CashSettingsOut, "store_id">>, storeId = 1) =>
  expectJson<CashSettingsOut>(call("PUT", `/api/v1/stores/${storeId}/cash-settings`, { token, body: change }), 200);
