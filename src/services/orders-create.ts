/**
 * Selling: validate the cart, price it on the server, gate the stock through
 * each product's Durable Object, and write the order, its items, the stock
 * changes, the `sale` log rows and the idempotency key in one D1 batch.
 */

import { claimKeyStatement as idempotencyInsert, isKeyCollision } from "../db/idempotency-keys";
import { chunk, stockStatements } from "../db/stock";
import { pointsFor } from "../domain/loyalty";
import { toDecimal } from "../domain/money";
import { computeTotals, discountCap, mergeLines, newOrderNumber, type RequestedLine } from "../domain/order-totals";
import type { AuthUser } from "../lib/auth/current-user";
import {
  type BearerClaims,
  type PendingUserCheck,
  settleUserCheck,
  type UserCheckRow,
  userCheckStatement,
} from "../lib/auth/middleware";
import { hasPermission } from "../lib/auth/rbac";
import { DEFAULT_CASHIER_MAX_DISCOUNT_PERCENT, type LoyaltyConfig } from "../lib/config";
import { isCheckViolation } from "../lib/db-errors";
import { ApiError, invalidField } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import type { StockGate } from "../stock/client";
import { loadOrder } from "./orders-read";
import { type CustomerSummary, type OrderView, type RawOrder, type RawOrderItem, toOrderView } from "./orders-view";
import { type BatchOutcome, runBatch, timed, withStockGate } from "./stock-protocol";

export const MAX_LINE_QUANTITY = 10_000;

export interface CreateOrderInput {
  customer_id?: number | null | undefined;
  order_items: RequestedLine[];
  tax?: number | undefined;
  discount?: number | undefined;
  notes?: string | null | undefined;
  redeem_points?: number | undefined;
}

const DEFAULT_LOYALTY: LoyaltyConfig = { pointsPerUnit: 1, pointValueCents: 1 };

export interface OrderDeps {
  d1: D1Database;
  stock: StockGate;
  defer: (work: Promise<unknown>) => void;
  now?: () => Date;
  mark?: (phase: string, ms: number) => void;
  loyalty?: LoyaltyConfig;
  /** Told (after the batch commits) which products the sale took to or below their minimum. */
  onLowStock?: (productIds: number[]) => void;
  /** CASHIER_MAX_DISCOUNT_PERCENT (default 20). */
  cashierMaxDiscountPercent?: number;
  /** Told (after the batch commits) that this change completed the order (a receipt may go out). */
  onCompleted?: (orderId: number) => void;
}

/**
 * Without `prices:override`, line and order discounts together may take off at
 * most CASHIER_MAX_DISCOUNT_PERCENT of the order's value before discounts
 * (points redeemed are paid for with points and do not count): 403 otherwise.
 */
export function assertDiscountAllowed(
  deps: Pick<OrderDeps, "cashierMaxDiscountPercent">,
  actor: AuthUser,
  grossCents: number,
  discountCents: number,
) {
  if (hasPermission(actor.role, "prices:override")) return;
  const percent = deps.cashierMaxDiscountPercent ?? DEFAULT_CASHIER_MAX_DISCOUNT_PERCENT;
  const cap = discountCap(grossCents, percent);
  if (discountCents <= cap) return;
  throw new ApiError(
    "FORBIDDEN",
    `Discounts of ${toDecimal(discountCents).toFixed(2)} exceed ${percent}% of the order's ${toDecimal(grossCents).toFixed(2)} before discounts; at most ${toDecimal(cap).toFixed(2)} without a manager (prices:override)`,
    {
      extra: {
        max_discount: toDecimal(cap),
        max_discount_percent: percent,
        requested_discount: toDecimal(discountCents),
      },
    },
  );
}

interface ProductFacts {
  id: number;
  sku: string;
  name: string;
  price: number;
  is_active: number;
  min_stock_level: number;
}

/** One round trip for every product of the cart and the customer. */
async function loadFacts(
  d1: D1Database,
  productIds: number[],
  customerId: number | null | undefined,
  caller: BearerClaims | null,
) {
  const placeholders = productIds.map((_, i) => `?${i + 1}`).join(",");
  const [products, customers, users] = await d1.batch([
    d1
      .prepare(`SELECT id, sku, name, price, is_active, min_stock_level FROM products WHERE id IN (${placeholders})`)
      .bind(...productIds),
    d1
      .prepare("SELECT id, first_name, last_name, email, is_active, loyalty_points FROM customers WHERE id = ?1")
      .bind(customerId ?? -1),
    userCheckStatement(d1, caller),
  ]);
  return {
    products: new Map(((products?.results ?? []) as ProductFacts[]).map((p) => [p.id, p])),
    customer: customers?.results[0] as (CustomerSummary & { is_active: number; loyalty_points: number }) | undefined,
    user: users?.results[0] as UserCheckRow | undefined,
  };
}

/**
 * `pendingCheck`, when given, is the caller's D1 auth check deferred by
 * `requirePermissionInBatch`: it is read with the cart's facts and settled
 * before anything is reserved.
 */
export async function createOrder(
  deps: OrderDeps,
  caller: AuthUser,
  input: CreateOrderInput,
  idem: IdempotencyContext | null,
  pendingCheck?: PendingUserCheck,
): Promise<OrderView> {
  const merged = mergeLines(input.order_items, MAX_LINE_QUANTITY);
  if (!merged.ok) {
    const msg =
      merged.reason === "conflicting_unit_price"
        ? `Lines for product ${merged.productId} name different unit prices`
        : `Quantity for product ${merged.productId} exceeds ${MAX_LINE_QUANTITY}`;
    throw invalidField(["body", "order_items"], msg);
  }
  const lines = merged.lines;
  const productIds = lines.map((line) => line.product_id);
  const facts = await timed(deps, "facts", () =>
    loadFacts(deps.d1, productIds, input.customer_id, pendingCheck?.claims ?? null),
  );
  const actor = pendingCheck ? settleUserCheck(pendingCheck, facts.user) : caller;
  if (lines.some((line) => line.unit_price !== undefined) && !hasPermission(actor.role, "prices:override")) {
    throw new ApiError("FORBIDDEN", "Only a manager or admin may override a unit price");
  }
  for (const [index, line] of input.order_items.entries()) {
    const product = facts.products.get(line.product_id);
    if (!product)
      throw invalidField(["body", "order_items", index, "product_id"], `Product ${line.product_id} not found`);
    if (!product.is_active) {
      throw invalidField(
        ["body", "order_items", index, "product_id"],
        `Product ${line.product_id} (${product.name}) is not for sale`,
      );
    }
  }
  if (input.customer_id !== undefined && input.customer_id !== null) {
    if (!facts.customer) throw invalidField(["body", "customer_id"], `Customer ${input.customer_id} not found`);
    if (!facts.customer.is_active)
      throw invalidField(["body", "customer_id"], `Customer ${input.customer_id} is inactive`);
  }

  const redeem = input.redeem_points ?? 0;
  if (redeem > 0) {
    if (!facts.customer) throw invalidField(["body", "redeem_points"], "Redeeming points needs a customer_id");
    if (redeem > facts.customer.loyalty_points) {
      throw new ApiError("CONFLICT", `Customer has ${facts.customer.loyalty_points} points; cannot redeem ${redeem}`, {
        extra: { available_points: facts.customer.loyalty_points },
      });
    }
  }
  const loyalty = deps.loyalty ?? DEFAULT_LOYALTY;
  const pointsDiscount = redeem * loyalty.pointValueCents;
  const manualDiscount = input.discount ?? 0;

  const cart = lines.map((line) => {
    const product = facts.products.get(line.product_id) as ProductFacts;
    return {
      productId: line.product_id,
      quantity: line.quantity,
      unitPrice: line.unit_price ?? product.price,
      discount: line.discount ?? 0,
    };
  });
  const priced = computeTotals(cart, input.tax ?? 0, manualDiscount + pointsDiscount);
  if (!priced.ok) {
    if (priced.problem.kind === "line_discount") {
      throw invalidField(
        ["body", "order_items", priced.problem.index, "discount"],
        "Line discount is larger than the line's value",
      );
    }
    throw invalidField(
      ["body", redeem > 0 ? "redeem_points" : "discount"],
      redeem > 0 ? "Discount plus redeemed points exceed the subtotal" : "Order discount is larger than the subtotal",
    );
  }
  const totals = priced.totals;
  const lineDiscounts = totals.lines.reduce((sum, line) => sum + line.discount, 0);
  assertDiscountAllowed(deps, actor, totals.subtotal + lineDiscounts, lineDiscounts + manualDiscount);
  const pointsEarned = facts.customer ? pointsFor(totals.total, loyalty) : 0;

  const now = deps.now ? deps.now() : new Date();
  const nowIso = now.toISOString();
  const orderNumber = newOrderNumber(now);
  const d1 = deps.d1;
  const statements: D1PreparedStatement[] = [];
  if (idem) statements.push(idempotencyInsert(d1, idem, { type: "order", ref: orderNumber }, nowIso));
  statements.push(
    d1
      .prepare(
        `INSERT INTO orders (order_number, customer_id, user_id, status, subtotal, tax, discount, total, notes,
           points_redeemed, points_discount, points_earned, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?9, ?9) RETURNING *`,
      )
      .bind(
        orderNumber,
        input.customer_id ?? null,
        actor.id,
        totals.subtotal,
        totals.tax,
        manualDiscount,
        totals.total,
        input.notes ?? null,
        nowIso,
        redeem,
        pointsDiscount,
        pointsEarned,
      ),
  );
  if (redeem > 0 && facts.customer) {
    // The CHECK on customers.loyalty_points fails the batch if a racing
    // redemption spent the points first.
    statements.push(
      d1
        .prepare("UPDATE customers SET loyalty_points = loyalty_points - ?2, updated_at = ?3 WHERE id = ?1")
        .bind(facts.customer.id, redeem, nowIso),
      d1
        .prepare(
          `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
           SELECT c.id, -?2, c.loyalty_points, 'Redeemed on ' || ?3, ?4, o.id, ?5
           FROM customers c JOIN orders o ON o.order_number = ?3 WHERE c.id = ?1`,
        )
        .bind(facts.customer.id, redeem, orderNumber, actor.id, nowIso),
    );
  }

  // Items: one multi-row INSERT per 12 lines (7 bound values each plus the order number: 85, under D1's 100).
  const itemChunks = chunk(totals.lines, 12);
  const firstItemIndex = statements.length;
  for (const part of itemChunks) {
    const values = part
      .map((_, i) => `(${Array.from({ length: 7 }, (_, k) => `?${i * 7 + k + 2}`).join(", ")})`)
      .join(", ");
    statements.push(
      d1
        .prepare(
          `WITH v(product_id, product_name, product_sku, quantity, unit_price, discount, subtotal) AS (VALUES ${values})
           INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal)
           SELECT o.id, v.product_id, v.product_name, v.product_sku, v.quantity, v.unit_price, v.discount, v.subtotal
           FROM v JOIN orders o ON o.order_number = ?1 RETURNING *`,
        )
        .bind(
          orderNumber,
          ...part.flatMap((line) => {
            const product = facts.products.get(line.productId) as ProductFacts;
            return [
              line.productId,
              product.name,
              product.sku,
              line.quantity,
              line.unitPrice,
              line.discount,
              line.subtotal,
            ];
          }),
        ),
    );
  }
  const firstStockIndex = statements.length;
  statements.push(
    ...stockStatements(
      d1,
      totals.lines.map((line) => ({ productId: line.productId, delta: -line.quantity })),
      {
        userId: actor.id,
        action: "sale",
        referenceNumber: orderNumber,
        notes: "Sale",
        stockRef: orderNumber,
        now: nowIso,
      },
    ),
  );
  const stockCount = statements.length - firstStockIndex;
  // An order that costs nothing is paid in full: it completes in this batch,
  // through the same conditional UPDATE (and completion trigger) as a covering payment.
  const completesNow = totals.total === 0;
  if (completesNow) {
    statements.push(
      d1
        .prepare(
          "UPDATE orders SET status = 'completed', completed_at = ?2, updated_at = ?2 WHERE order_number = ?1 AND status = 'pending' AND paid_amount = total RETURNING *",
        )
        .bind(orderNumber, nowIso),
    );
  }

  const write = async (): Promise<BatchOutcome<OrderView>> => {
    const outcome = await runBatch(d1, statements, orderNumber, (results) => {
      // The sale's log rows say what each product has left: only those now at
      // or below their minimum are worth a low-stock check after the response.
      const after = results
        .slice(firstStockIndex, firstStockIndex + stockCount)
        .flatMap((r) => (r.results ?? []) as { product_id?: number; quantity_after?: number }[]);
      const low = after
        .filter(
          (row) =>
            row.product_id !== undefined &&
            (row.quantity_after ?? 0) <= (facts.products.get(row.product_id)?.min_stock_level ?? -1),
        )
        .map((row) => row.product_id as number);
      if (low.length) deps.onLowStock?.(low);
      const offset = idem ? 1 : 0;
      const order = (results[completesNow ? results.length - 1 : offset]?.results[0] ??
        results[offset]?.results[0]) as RawOrder;
      if (order.status === "completed") deps.onCompleted?.(order.id);
      const inserted = itemChunks.flatMap((_, i) => (results[firstItemIndex + i]?.results ?? []) as RawOrderItem[]);

      const byProduct = new Map(inserted.map((item) => [item.product_id, item]));
      const items = totals.lines.map((line) => byProduct.get(line.productId) as RawOrderItem);
      const customer = facts.customer
        ? {
            id: facts.customer.id,
            first_name: facts.customer.first_name,
            last_name: facts.customer.last_name,
            email: facts.customer.email,
          }
        : null;
      return toOrderView(order, items, {
        customer,
        cashier: { id: actor.id, username: actor.username, full_name: null },
      });
    });
    // Another request with the same key won the race: ours wrote nothing.
    if (outcome.kind === "refused" && idem && isKeyCollision(outcome.error)) {
      return { kind: "refused", error: new KeyCollision() };
    }
    if (outcome.kind === "refused" && isCheckViolation(outcome.error, "customers_points_non_negative")) {
      return { kind: "refused", error: new ApiError("CONFLICT", "The customer no longer has the points to redeem") };
    }
    if (outcome.kind === "refused" && isCheckViolation(outcome.error, "products_stock_non_negative")) {
      // The database's last line of defence spoke: the gate and the book disagree.
      return {
        kind: "refused",
        error: new ApiError("INSUFFICIENT_STOCK", "Insufficient stock (the book refused the sale)"),
      };
    }
    return outcome;
  };
  const recover = async () => {
    const loaded = await loadOrder(d1, { number: orderNumber });
    if (!loaded) throw new ApiError("SERVICE_UNAVAILABLE", "Order state unknown; retry with the same Idempotency-Key");
    if (loaded.order.status === "completed") deps.onCompleted?.(loaded.order.id);
    return loaded.view;
  };
  const changes = totals.lines.map((line) => ({
    productId: line.productId,
    delta: -line.quantity,
    productName: facts.products.get(line.productId)?.name,
  }));
  return withStockGate(deps, orderNumber, changes, write, recover);
}
