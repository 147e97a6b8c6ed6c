/**
 * The event types other systems can hear about (webhooks and the events
 * feed, README "Webhooks and the events feed"). An endpoint subscribes to
 * some of them, or to "*" for all.
 */
export const EVENT_TYPES = [
  "order.created",
  "order.completed",
  "order.cancelled",
  "payment.completed",
  "refund.created",
  "inventory.adjusted",
  "stock.low",
  "customer.created",
  "customer.updated",
  "transfer.created",
  "transfer.sent",
  "transfer.received",
  "transfer.cancelled",
  "shift.opened",
  "shift.closed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** Sent by `POST /webhook-endpoints/{id}/test` only (never recorded in the feed). */
export const TEST_EVENT_TYPE = "webhook.test";
