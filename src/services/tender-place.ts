/**
 * Where a payment or refund says its money was taken (`drawer_id`,
 * `shift_id`): checked against the store in the request's first round trip,
 * and what the till is told when cash finds no open shift.
 */
import { findTenderPlace, namesPlace, type TenderPlace, type TenderPlaceFound } from "../db/cash-events";
import { ApiError, invalidField } from "../lib/errors";

/** The request's place fields, as the service passes them to the batch. */
export const placeOf = (input: { drawer_id?: number | undefined; shift_id?: number | undefined }): TenderPlace => ({
  drawerId: input.drawer_id ?? null,
  shiftId: input.shift_id ?? null,
});

/** The store's answer about the named drawer and shift; null (no read) when the request names neither. */
export const readTenderPlace = (d1: D1Database, place: TenderPlace): Promise<TenderPlaceFound | null> =>
  namesPlace(place) ? findTenderPlace(d1, place) : Promise.resolve(null);

/**
 * A 422 naming the field when the drawer is not an active drawer of the
 * store, the shift is not one of the store's shifts, or the two disagree.
 * Another store's ids are not in this store's database: they look absent.
 */
export function placeRefusal(place: TenderPlace, found: TenderPlaceFound | null): ApiError | null {
  if (!found) return null;
  if (place.drawerId != null) {
    if (found.drawer_active === null) {
      return invalidField(["body", "drawer_id"], `Cash drawer ${place.drawerId} is not a drawer of this store`);
    }
    if (!found.drawer_active) {
      return invalidField(["body", "drawer_id"], `Cash drawer ${place.drawerId} is inactive: name an active drawer`);
    }
  }
  if (place.shiftId != null) {
    if (found.shift_drawer_id === null) {
      return invalidField(["body", "shift_id"], `Shift ${place.shiftId} is not a shift of this store`);
    }
    if (place.drawerId != null && found.shift_drawer_id !== place.drawerId) {
      return invalidField(
        ["body", "shift_id"],
        `Shift ${place.shiftId} is on drawer ${found.shift_drawer_id}, not on drawer_id ${place.drawerId}`,
      );
    }
  }
  return null;
}

/**
 * The answer when the store requires a shift for cash and the tender found
 * none: what the till should do. A confirmation (PUT /payments/{id}) names no
 * drawer: its cash counts on the confirmer's own shift.
 */
export function noOpenShift(place: TenderPlace | "confirmation") {
  const refused = "this store takes cash only on an open shift; nothing was recorded";
  const detail =
    place === "confirmation"
      ? `You have no shift open here and ${refused}: open a shift on a drawer (POST /api/v1/shifts), then confirm the payment again`
      : place.drawerId != null
        ? `Cash drawer ${place.drawerId} has no open shift and ${refused}: open a shift on the drawer (POST /api/v1/shifts) and send the request again`
        : `You have no shift open here and ${refused}: open a shift on a drawer (POST /api/v1/shifts), or name the drawer_id of a drawer whose shift is open, and send the request again`;
  return new ApiError("NO_OPEN_SHIFT", detail);
}
