/**
 * The retry schedule (src/webhooks/backoff.ts): growing delays, none longer
 * than Queues' 12 hours, adding up to at least three days before a
 * delivery is dead.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_ATTEMPTS,
  MAX_QUEUE_DELAY_SECONDS,
  nextRetryDelaySeconds,
  RETRY_DELAYS_SECONDS,
} from "../../src/webhooks/backoff";

describe("webhook retry schedule", () => {
  it("is 1m, 5m, 30m, 2h, 5h, 10h, then 12h steps until three days are covered", () => {
    const m = 60;
    const h = 3600;
    expect(RETRY_DELAYS_SECONDS).toEqual([
      m,
      5 * m,
      30 * m,
      2 * h,
      5 * h,
      10 * h,
      12 * h,
      12 * h,
      12 * h,
      12 * h,
      12 * h,
    ]);
    expect(MAX_ATTEMPTS).toBe(12);
    const total = RETRY_DELAYS_SECONDS.reduce((s, d) => s + d, 0);
    expect(total).toBeGreaterThanOrEqual(72 * h);
    // One step fewer would not reach three days: the schedule is no longer than it must be.
    expect(total - 12 * h).toBeLessThan(72 * h);
    for (const delay of RETRY_DELAYS_SECONDS) expect(delay).toBeLessThanOrEqual(MAX_QUEUE_DELAY_SECONDS);
  });

  it("answers the delay after each failed attempt, then null", () => {
    expect(nextRetryDelaySeconds(1)).toBe(60);
    expect(nextRetryDelaySeconds(6)).toBe(36_000);
    expect(nextRetryDelaySeconds(11)).toBe(43_200);
    expect(nextRetryDelaySeconds(12)).toBeNull();
    expect(() => nextRetryDelaySeconds(0)).toThrow(RangeError);
  });
});
