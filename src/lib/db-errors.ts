/**
 * Recognises SQLite constraint failures in D1 errors (Drizzle wraps them, so
 * the cause chain is searched). Services turn them into precise 409s.
 */
const messages = (error: unknown): string => {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(" | ");
};

/**
 * The column or index named by a UNIQUE failure: "sku" for
 * `UNIQUE constraint failed: products.sku`, "users_email_unique" for an
 * expression index. `null` when the error is something else.
 */
export function uniqueViolation(error: unknown): string | null {
  const text = messages(error);
  const column = /UNIQUE constraint failed: \w+\.(\w+)/.exec(text);
  if (column?.[1]) return column[1];
  const index = /UNIQUE constraint failed: index '(\w+)'/.exec(text);
  return index?.[1] ?? null;
}

/** The order status trigger (migration 0005) refused the batch: also used on purpose as a guard. */
export const isStatusTransitionRefusal = (error: unknown) => /invalid order status transition/.test(messages(error));

export const isCheckViolation = (error: unknown, name?: string) => {
  const text = messages(error);
  return /CHECK constraint failed/.test(text) && (!name || text.includes(name));
};

/**
 * D1 rejected the statements themselves (constraint, SQL error): nothing was
 * written. Every D1 error starts with "D1_ERROR", the transient ones too
 * ("Network connection lost", "storage caused object to be reset"), so the
 * prefix says nothing about whether the batch landed; those are asked about.
 */
const TRANSIENT = /network connection lost|object to be reset|reset because|internal error|timed? ?out|overloaded/i;
export const isD1Refusal = (error: unknown) =>
  error instanceof Error &&
  !TRANSIENT.test(error.message) &&
  /SQLITE_|constraint failed|no such|syntax error/i.test(error.message);
