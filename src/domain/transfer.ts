/**
 * The pure rules of a transfer between stores (README "Transfers"): its
 * number, what a draft's lines may be, what is in transit, what a receipt may
 * take and what a cancel sends back. The services read the head office, ask
 * these, then write; the head office's CHECK (received + returned ≤ sent) is
 * the gate that still holds when two requests race past these checks.
 */
import { storeDocumentNumber } from "./store-number";

/** Lines on one transfer: a delivery note, and every statement stays well under D1's 100 bound parameters (lines travel as one JSON value). */
export const MAX_TRANSFER_LINES = 100;

/**
 * A step's stock ref at its store: the objects hold its units under it, its
 * log rows and its transfer_moves row carry it. It names the attempt (the
 * step row's creation time), not only the step: a step undone after a
 * refusal can be taken again, and an object never takes a ref it released.
 */
export const stepStockRef = (step: { transferId: number; stepKey: string; createdAt: string }) =>
  `TRF-${step.transferId}-${step.stepKey}@${Date.parse(step.createdAt)}`;

/** The key of a receipt: one per Idempotency-Key, so a retried receipt finds the one it made. */
export const receiveStepKey = (idempotencyKey: string) => `receive:${idempotencyKey}`;

/**
 * TRF-<FROM CODE>-YYYYMMDD-<HEX8> (date in UTC, like order numbers): the
 * source's code tells a reader where the goods left from.
 */
export function newTransferNumber(
  now: Date,
  fromCode: string,
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(4)),
): string {
  return storeDocumentNumber("TRF", now, fromCode, random);
}

export interface LineQuantity {
  product_id: number;
  quantity: number;
}

/** What is wrong with a list of lines, as a problem the service turns into a 422 (index: the line in the body). */
export type LinesProblem =
  | { kind: "empty" }
  | { kind: "too_many"; count: number }
  | { kind: "duplicate"; index: number; productId: number }
  | { kind: "not_positive"; index: number };

/** A draft's (or a receipt's) lines: some, at most MAX_TRANSFER_LINES, each product once, each quantity a positive integer. */
export function checkLines(lines: readonly LineQuantity[]): LinesProblem | null {
  if (lines.length === 0) return { kind: "empty" };
  if (lines.length > MAX_TRANSFER_LINES) return { kind: "too_many", count: lines.length };
  const seen = new Set<number>();
  for (const [index, line] of lines.entries()) {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) return { kind: "not_positive", index };
    if (seen.has(line.product_id)) return { kind: "duplicate", index, productId: line.product_id };
    seen.add(line.product_id);
  }
  return null;
}

export interface LineState {
  productId: number;
  productName: string;
  quantity: number;
  sent: number;
  received: number;
  returned: number;
}

/** Units that left the source and have neither arrived nor gone back. */
export const inTransit = (line: Pick<LineState, "sent" | "received" | "returned">): number =>
  line.sent - line.received - line.returned;

/** Why a receipt cannot be taken as asked (index: the receipt's line). */
export type ReceiptProblem =
  | { kind: "not_on_transfer"; index: number; productId: number }
  | { kind: "more_than_in_transit"; index: number; productId: number; productName: string; inTransit: number };

/** A receipt takes, per line, at most what is in transit of a product the transfer carries. */
export function checkReceipt(lines: readonly LineState[], receipt: readonly LineQuantity[]): ReceiptProblem | null {
  const byProduct = new Map(lines.map((line) => [line.productId, line]));
  for (const [index, asked] of receipt.entries()) {
    const line = byProduct.get(asked.product_id);
    if (!line) return { kind: "not_on_transfer", index, productId: asked.product_id };
    const open = inTransit(line);
    if (asked.quantity > open) {
      return {
        kind: "more_than_in_transit",
        index,
        productId: line.productId,
        productName: line.productName,
        inTransit: open,
      };
    }
  }
  return null;
}

/** What a cancel of a sent transfer sends back: each line's units still in transit (lines with none are left out). */
export const returnsOnCancel = (lines: readonly LineState[]): LineQuantity[] =>
  lines.map((line) => ({ product_id: line.productId, quantity: inTransit(line) })).filter((l) => l.quantity > 0);

/** Whether two lists of lines say the same (a retried receipt must ask what the first asked). */
export function sameLines(a: readonly LineQuantity[], b: readonly LineQuantity[]): boolean {
  if (a.length !== b.length) return false;
  const key = (lines: readonly LineQuantity[]) =>
    [...lines]
      .sort((x, y) => x.product_id - y.product_id)
      .map((l) => `${l.product_id}:${l.quantity}`)
      .join(",");
  return key(a) === key(b);
}
