/**
 * Optimistic concurrency for versioned records: the UPDATE itself carries
 * `version = expected` in its WHERE, so a stale write changes nothing even
 * when two writers race; `version` increments on every successful write.
 */
import { ApiError, notFound } from "../lib/errors";

/**
 * Explains why a conditional update matched no row: the record is gone (404)
 * or someone changed it first (409 naming the current version).
 */
export async function explainMissedUpdate(
  what: string,
  expected: number | undefined,
  currentVersion: () => Promise<number | undefined>,
): Promise<never> {
  const current = await currentVersion();
  if (current === undefined) throw notFound(what);
  throw new ApiError(
    "VERSION_CONFLICT",
    `${what} was changed by someone else (you sent version ${expected}, current is ${current}); reload and retry`,
    { extra: { current_version: current } },
  );
}
