/**
 * The D1 throttle's arithmetic over time, with the clock in the test's hand
 * (the HTTP tests in sign-in-throttle.test.ts cannot wait fifteen minutes).
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { LoginThrottleConfig } from "../../src/lib/config";
import { guardD1 } from "../../src/lib/d1-guard";
import { ApiError } from "../../src/lib/errors";
import { admitAttempt, forgive, forgiveUnjudged, throttleKeys } from "../../src/services/login-throttle";
import { testContext } from "../helpers/context";

const config: LoginThrottleConfig = {
  maxFailuresPerUser: 5,
  maxFailuresPerAddress: 30,
  lockoutSeconds: 900,
  userBackoffAfter: 10,
  userBackoffMaxSeconds: 60,
};
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

/** 0 when admitted, else the 429's Retry-After. */
async function admit(username: string, address: string, now: number): Promise<number> {
  try {
    const ctx = await testContext({ hq: guardD1(env.DB), now: () => new Date(now) });
    await admitAttempt(ctx, throttleKeys(username, address), config);
    return 0;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 429) throw error;
    return Number(error.headers["Retry-After"]);
  }
}

describe("login throttle over time", () => {
  it("doubles the username's delay from one second to the cap, and a quiet window starts it over", async ({
    expect,
  }) => {
    let t = T0;
    let address = 0;
    const fresh = () => `10.0.0.${address++}`;
    for (let i = 0; i < config.userBackoffAfter; i++) expect(await admit("victim", fresh(), t)).toBe(0);

    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const wait = await admit("victim", fresh(), t);
      waits.push(wait);
      t += wait * 1000;
      expect(await admit("victim", fresh(), t)).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);

    // Fifteen minutes after the window opened, the count starts over: no delay until the threshold again.
    t = T0 + config.lockoutSeconds * 1000 + 60_000;
    for (let i = 0; i < config.userBackoffAfter; i++) expect(await admit("victim", fresh(), t)).toBe(0);
    expect(await admit("victim", fresh(), t)).toBe(1);
  });

  it("never slows a username down for others when all the guesses come from one address", async ({ expect }) => {
    let t = T0;
    for (let window = 0; window < 6; window++) {
      for (let i = 0; i < config.maxFailuresPerUser; i++) expect(await admit("admin", "10.1.0.1", t + i)).toBe(0);
      expect(await admit("admin", "10.1.0.1", t + 10)).toBeGreaterThan(0);
      // Another address (the admin at their desk, or a second wrong guess there) is let in at once.
      expect(await admit("admin", "10.1.0.2", t + 20)).toBe(0);
      t += config.lockoutSeconds * 1000;
    }
  });

  it("locks a username at one address for the rest of its window", async ({ expect }) => {
    for (let i = 0; i < config.maxFailuresPerUser; i++) expect(await admit("pairuser", "10.2.0.1", T0)).toBe(0);
    expect(await admit("pairuser", "10.2.0.1", T0 + 100_000)).toBe(config.lockoutSeconds - 100);
    expect(await admit("pairuser", "10.2.0.1", T0 + config.lockoutSeconds * 1000)).toBe(0);
  });

  it("locks an address past its limit whatever the usernames, and refused attempts spend nothing", async ({
    expect,
  }) => {
    for (let i = 0; i < config.maxFailuresPerAddress; i++) expect(await admit(`ghost${i}`, "10.3.0.1", T0)).toBe(0);
    expect(await admit("ghost-last", "10.3.0.1", T0 + 1000)).toBe(config.lockoutSeconds - 1);
    // The refused attempt did not count against the username elsewhere.
    const row = await env.DB.prepare("SELECT failures FROM login_attempts WHERE key = ?1")
      .bind(throttleKeys("ghost-last", "x").name)
      .first<{ failures: number }>();
    expect(row).toBeNull();
  });

  it("gives back an attempt that was never judged, and a good password forgives", async ({ expect }) => {
    const keys = throttleKeys("forgiven", "10.4.0.1");
    const ctx = await testContext({ hq: guardD1(env.DB) });
    for (let i = 0; i < config.maxFailuresPerUser; i++) {
      expect(await admit("forgiven", "10.4.0.1", T0)).toBe(0);
      await forgiveUnjudged(ctx, keys);
    }
    // Five never-judged attempts left the whole allowance.
    for (let i = 0; i < config.maxFailuresPerUser; i++) expect(await admit("forgiven", "10.4.0.1", T0)).toBe(0);
    await forgive(ctx, keys);
    for (let i = 0; i < config.maxFailuresPerUser; i++) expect(await admit("forgiven", "10.4.0.1", T0)).toBe(0);
    expect(await admit("forgiven", "10.4.0.1", T0)).toBeGreaterThan(0);
  });
});
