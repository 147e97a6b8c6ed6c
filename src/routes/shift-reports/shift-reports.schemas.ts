import { z } from "@hono/zod-openapi";

const Money = z.number();
const Totals = z.object({ count: z.number().int(), amount: Money });
const Tenders = z.object({
  by_tender: z.array(z.object({ payment_method: z.string(), count: z.number().int(), amount: Money })),
  count: z.number().int(),
  amount: Money,
});
const Person = z.object({ id: z.number().int(), username: z.string(), full_name: z.string().nullable() });
const LateItem = {
  event_id: z.number().int(),
  kind: z.string(),
  payment_method: z.string().nullable(),
  amount: Money,
  cash_delta: Money,
  payment_id: z.number().int().nullable(),
  refund_id: z.number().int().nullable(),
  created_at: z.string(),
  note: z.string(),
};
const nullableMoney = (what: string) => Money.nullable().openapi({ description: what });

export const ShiftReportSchema = z
  .object({
    report: z.enum(["X", "Z"]),
    generated_at: z.string(),
    store: z.object({
      id: z.number().int(),
      code: z.string(),
      name: z.string(),
      currency: z.string(),
      time_zone: z.string(),
    }),
    shift: z.object({
      id: z.number().int(),
      status: z.enum(["open", "ended", "closed"]),
      drawer_id: z.number().int(),
      drawer_name: z.string(),
      cashier: Person.nullable(),
      opened_at: z.string(),
      ended_at: z.string().nullable(),
      closed_at: z.string().nullable(),
      closed_by: Person.nullable(),
      z_number: z.number().int().nullable(),
    }),
    sales: Tenders.openapi({ description: "Payments taken on the shift, per tender" }),
    refunds: Tenders.openapi({ description: "Refunds given on the shift, per tender" }),
    orders: z
      .object({
        count: z.number().int(),
        subtotal: Money,
        discounts: Money,
        points_discounts: Money,
        tax: Money,
        total: Money,
      })
      .openapi({
        description:
          "The orders this shift completed: those whose completing (last) payment counts on it, each on one shift however its tenders were split",
      }),
    cash: z.object({
      opening_float: Money,
      cash_sales: Money.openapi({ description: "Cash kept from sales: tendered − change given" }),
      tendered: Money,
      change_given: Money,
      cash_refunds: Money,
      paid_in: Totals,
      paid_out: Totals,
      drops: Totals,
      no_sales: z.object({ count: z.number().int() }),
      rejected_movements: z.number().int(),
      pending: z
        .array(
          z.object({
            id: z.number().int(),
            kind: z.string(),
            amount: Money,
            reason: z.string().nullable(),
            user_id: z.number().int(),
            created_at: z.string(),
          }),
        )
        .openapi({ description: "Paid-outs waiting for a manager (not in expected cash; the close waits for them)" }),
      expected_cash: nullableMoney("Opening float + approved cash movements (frozen at close)"),
      counted_cash: Money.nullable(),
      variance: nullableMoney("Counted − expected (null before the close)"),
      variance_reason: z.string().nullable(),
      kept_in_drawer: Money.nullable(),
      expected_opening: nullableMoney("What the drawer's previous shift left in it (null for its first shift)"),
      opening_variance: nullableMoney("Opening float − expected opening"),
    }),
    late: z.object({
      counted_elsewhere: z
        .array(z.object({ ...LateItem, counted_on_shift_id: z.number().int().nullable() }))
        .openapi({ description: "Happened on this shift but arrived after it stopped selling" }),
      adjustments: z
        .array(z.object({ ...LateItem, from_shift_id: z.number().int() }))
        .openapi({ description: "Counted on this shift, late from an earlier one" }),
    }),
  })
  .openapi("ShiftReport");

export const ZReportLinkSchema = z
  .object({
    url: z.string().openapi({ description: "Signed link; works without a token until expires_at" }),
    expires_at: z.string(),
  })
  .openapi("ZReportLink");
