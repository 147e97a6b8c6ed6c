/**
 * What a payment applies to an order's balance, in integer cents. Cash may
 * be more than is owed: it settles the balance and the rest goes back as
 * change. Any other method must fit within the balance. Nothing here touches
 * a database or knows about HTTP: the service maps a refusal to its answer.
 */

export interface TenderInput {
  method: string;
  /** What the till asked to apply (for cash: what was handed over, unless `tendered` says so). */
  amount: number;
  /** Cash handed over, when it differs from `amount`. */
  tendered?: number | undefined;
}

export interface Tender {
  /** What the payment adds to the order's paid amount. */
  applied: number;
  /** Cash handed over (null for other methods that did not state one). */
  tendered: number | null;
  /** Cash handed back. */
  change: number;
  /** True when the amount was cut down to the balance: the change then depends on the balance as read. */
  capped: boolean;
}

export type TenderRefusal =
  | { kind: "tendered_below_applied"; applied: number; tendered: number }
  | { kind: "exceeds_balance"; amount: number; remaining: number }
  | { kind: "nothing_owed" };

export type TenderResult = { ok: true; tender: Tender } | { ok: false; refusal: TenderRefusal };

/** How `input` meets an order that still owes `remaining` cents. */
export function planTender(input: TenderInput, remaining: number): TenderResult {
  let tender: Tender;
  if (input.method === "cash") {
    const tendered = input.tendered ?? input.amount;
    const applied = Math.min(input.amount, remaining);
    if (tendered < applied) return { ok: false, refusal: { kind: "tendered_below_applied", applied, tendered } };
    tender = { applied, tendered, change: tendered - applied, capped: applied < input.amount };
  } else {
    if (input.amount > remaining) {
      return { ok: false, refusal: { kind: "exceeds_balance", amount: input.amount, remaining } };
    }
    tender = { applied: input.amount, tendered: input.tendered ?? null, change: 0, capped: false };
  }
  if (tender.applied <= 0) return { ok: false, refusal: { kind: "nothing_owed" } };
  return { ok: true, tender };
}
