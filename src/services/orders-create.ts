/**
 * Selling: validate the cart, price it on the server, gate the stock through
 * each product's Durable Object, and write the order, its items, the stock
 * changes, the `sale` log rows and the idempotency key in one D1 batch.
 */
import { computeTotals, mergeLines, newOrderNumber, type RequestedLine } from "../domain/order-totals";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, invalidField } from "../lib/errors";
import { KeyCollision } from "../lib/http/idempotent";
import { type IdempotencyContext, idempotencyInsert, isKeyCollision } from "../lib/idempotency";
import type { StockGate } from "../stock/client";
import { loadOrder } from "./orders-read";
import { type CustomerSummary, type OrderView, type RawOrder, type RawOrderItem, toOrderView } from "./orders-view";
import { type BatchOutcome, runBatch, withStockGate } from "./stock-protocol";

export const MAX_LINE_QUANTITY = 10_000;

export interface CreateOrderInput {
  customer_id?: number | null | undefined;
  order_items: RequestedLine[];
  tax?: number | undefined;
  discount?: number | undefined;
  notes?: string | null | undefined;
}

export interface OrderDeps {
  d1: D1Database;
  stock: StockGate;
  defer: (work: Promise<unknown>) => void;
  now?: () => Date;
}

interface ProductFacts {
  id: number;
  sku: string;
  name: string;
  price: number;
  is_active: number;
}

/** One round trip for every product of the cart and the customer. */
async function loadFacts(d1: D1Database, productIds: number[], customerId: number | null | undefined) {
  const placeholders = productIds.map((_, i) => `?${i + 1}`).join(",");
  const [products, customers] = await d1.batch([
    d1
      .prepare(`SELECT id, sku, name, price, is_active FROM products WHERE id IN (${placeholders})`)
      .bind(...productIds),
    d1
      .prepare("SELECT id, first_name, last_name, email, is_active FROM customers WHERE id = ?1")
      .bind(customerId ?? -1),
  ]);
  return {
    products: new Map(((products?.results ?? []) as ProductFacts[]).map((p) => [p.id, p])),
    customer: customers?.results[0] as (CustomerSummary & { is_active: number }) | undefined,
  };
}

export async function createOrder(
  deps: OrderDeps,
  actor: AuthUser,
  input: CreateOrderInput,
  idem: IdempotencyContext | null,
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
  if (lines.some((line) => line.unit_price !== undefined) && !hasPermission(actor.role, "prices:override")) {
    throw new ApiError("FORBIDDEN", "Only a manager or admin may override a unit price");
  }

  const facts = await loadFacts(
    deps.d1,
    lines.map((line) => line.product_id),
    input.customer_id,
  );
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

  const cart = lines.map((line) => {
    const product = facts.products.get(line.product_id) as ProductFacts;
    return {
      productId: line.product_id,
      quantity: line.quantity,
      unitPrice: line.unit_price ?? product.price,
      discount: line.discount ?? 0,
    };
  });
  const priced = computeTotals(cart, input.tax ?? 0, input.discount ?? 0);
  if (!priced.ok) {
    if (priced.problem.kind === "line_discount") {
      throw invalidField(
        ["body", "order_items", priced.problem.index, "discount"],
        "Line discount is larger than the line's value",
      );
    }
    throw invalidField(["body", "discount"], "Order discount is larger than the subtotal");
  }
  const totals = priced.totals;

  const now = deps.now ? deps.now() : new Date();
  const nowIso = now.toISOString();
  const orderNumber = newOrderNumber(now);
  const d1 = deps.d1;
  const statements: D1PreparedStatement[] = [];
  if (idem) statements.push(idempotencyInsert(d1, idem, { type: "order", ref: orderNumber }, nowIso));
  statements.push(
    d1
      .prepare(
        `INSERT INTO orders (order_number, customer_id, user_id, status, subtotal, tax, discount, total, notes, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING *`,
      )
      .bind(
        orderNumber,
        input.customer_id ?? null,
        actor.id,
        totals.subtotal,
        totals.tax,
        totals.discount,
        totals.total,
        input.notes ?? null,
        nowIso,
      ),
  );
  for (const line of totals.lines) {
    const product = facts.products.get(line.productId) as ProductFacts;
    statements.push(
      d1
        .prepare(
          `INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal)
           SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM orders WHERE order_number = ?1 RETURNING *`,
        )
        .bind(
          orderNumber,
          line.productId,
          product.name,
          product.sku,
          line.quantity,
          line.unitPrice,
          line.discount,
          line.subtotal,
        ),
      d1
        .prepare("UPDATE products SET stock_quantity = stock_quantity - ?2, updated_at = ?3 WHERE id = ?1")
        .bind(line.productId, line.quantity, nowIso),
      // Runs after the UPDATE, so stock_quantity is the quantity after the sale.
      d1
        .prepare(
          `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT id, ?2, 'sale', -?3, stock_quantity + ?3, stock_quantity, ?4, 'Sale', ?4, ?5 FROM products WHERE id = ?1`,
        )
        .bind(line.productId, actor.id, line.quantity, orderNumber, nowIso),
    );
  }

  const write = async (): Promise<BatchOutcome<OrderView>> => {
    const outcome = await runBatch(d1, statements, orderNumber, (results) => {
      const offset = idem ? 1 : 0;
      const order = results[offset]?.results[0] as RawOrder;
      const items = totals.lines.map((_, i) => results[offset + 1 + i * 3]?.results[0] as RawOrderItem);
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
    return outcome;
  };
  const recover = async () => {
    const loaded = await loadOrder(d1, { number: orderNumber });
    if (!loaded) throw new ApiError("SERVICE_UNAVAILABLE", "Order state unknown; retry with the same Idempotency-Key");
    return loaded.view;
  };
  const changes = totals.lines.map((line) => ({
    productId: line.productId,
    delta: -line.quantity,
    productName: facts.products.get(line.productId)?.name,
  }));
  return withStockGate(deps, orderNumber, changes, write, recover);
}
