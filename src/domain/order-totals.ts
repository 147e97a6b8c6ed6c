/**
 * Order arithmetic, as the system it replaces did it, in integer cents:
 *   line subtotal = unit_price × quantity − line discount
 *   subtotal      = Σ line subtotals
 *   total         = subtotal + tax − discount
 * Tax and discounts are amounts, not rates. Nothing here touches a database.
 */
import { storeDocumentNumber } from "./store-number";

export interface CartLine {
  productId: number;
  quantity: number;
  /** Cents per unit. */
  unitPrice: number;
  /** Cents off the whole line. */
  discount: number;
}

export interface PricedLine extends CartLine {
  subtotal: number;
}

export interface Totals {
  lines: PricedLine[];
  subtotal: number;
  tax: number;
  discount: number;
  total: number;
}

export type TotalsProblem =
  | { kind: "line_discount"; index: number; gross: number }
  | { kind: "order_discount"; subtotal: number };

export type TotalsResult = { ok: true; totals: Totals } | { ok: false; problem: TotalsProblem };

export function computeTotals(lines: CartLine[], tax: number, discount: number): TotalsResult {
  const priced: PricedLine[] = [];
  for (const [index, line] of lines.entries()) {
    const gross = line.unitPrice * line.quantity;
    if (line.discount > gross) return { ok: false, problem: { kind: "line_discount", index, gross } };
    priced.push({ ...line, subtotal: gross - line.discount });
  }
  const subtotal = priced.reduce((sum, line) => sum + line.subtotal, 0);
  // The order discount discounts the goods, not the tax.
  if (discount > subtotal) return { ok: false, problem: { kind: "order_discount", subtotal } };
  return { ok: true, totals: { lines: priced, subtotal, tax, discount, total: subtotal + tax - discount } };
}

/**
 * The most a user without `prices:override` may take off, in cents:
 * `maxPercent` of the goods' value before any discount (Σ unit price ×
 * quantity). Line and order discounts count together against it.
 */
export const discountCap = (grossCents: number, maxPercent: number): number =>
  Math.floor((grossCents * maxPercent) / 100);

export interface RequestedLine {
  product_id: number;
  quantity: number;
  discount?: number | undefined;
  unit_price?: number | undefined;
}

export type MergeResult =
  | { ok: true; lines: RequestedLine[] }
  | { ok: false; productId: number; reason: "conflicting_unit_price" | "quantity_too_large" };

/**
 * Merges lines that name the same product (quantities and discounts add up),
 * keeping the order of first appearance. Lines that disagree on an explicit
 * unit price cannot be merged.
 */
export function mergeLines(lines: RequestedLine[], maxQuantity: number): MergeResult {
  const merged = new Map<number, RequestedLine>();
  for (const line of lines) {
    const seen = merged.get(line.product_id);
    if (!seen) {
      merged.set(line.product_id, { ...line });
      continue;
    }
    if (seen.unit_price !== line.unit_price) {
      return { ok: false, productId: line.product_id, reason: "conflicting_unit_price" };
    }
    seen.quantity += line.quantity;
    if (seen.quantity > maxQuantity) return { ok: false, productId: line.product_id, reason: "quantity_too_large" };
    if (line.discount !== undefined) seen.discount = (seen.discount ?? 0) + line.discount;
  }
  return { ok: true, lines: [...merged.values()] };
}

/**
 * Readable, unique-enough order number carrying the selling store's code
 * (date in UTC): ORD-MAIN-20261125-7F3A9C21. The code tells any reader which
 * store's database holds the order.
 */
export function newOrderNumber(
  now: Date,
  storeCode: string,
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(4)),
): string {
  return storeDocumentNumber("ORD", now, storeCode, random);
}
