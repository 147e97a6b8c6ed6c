/**
 * When a failed webhook delivery is tried again (README "Webhooks"). The
 * delays grow quickly at first (a receiver that blinked) and then settle at
 * 12 hours, the longest delay a Queues message may carry, until the attempts
 * span at least three days; then the delivery is dead. Pure: the consumer
 * passes the attempt number it just made.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/** Queues refuses a delay longer than this (12 hours). */
export const MAX_QUEUE_DELAY_SECONDS = 12 * HOUR;

/** Retries keep coming until the delays add up to at least this much (three days). */
export const RETRY_SPAN_SECONDS = 72 * HOUR;

const RAMP_SECONDS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];

/** The delay after each failed attempt, in order: the ramp, then 12-hour steps until three days are covered. */
export const RETRY_DELAYS_SECONDS: readonly number[] = (() => {
  const delays = [...RAMP_SECONDS];
  let total = delays.reduce((sum, d) => sum + d, 0);
  while (total < RETRY_SPAN_SECONDS) {
    delays.push(MAX_QUEUE_DELAY_SECONDS);
    total += MAX_QUEUE_DELAY_SECONDS;
  }
  return delays;
})();

/** Attempts a delivery gets in all: the first one and one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/**
 * The delay before the next attempt after attempt number `attempts` (1 = the
 * first) failed, or null when none is left: the delivery is dead.
 */
export function nextRetryDelaySeconds(attempts: number): number | null {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be 1 or more, got ${attempts}`);
  return RETRY_DELAYS_SECONDS[attempts - 1] ?? null;
}
