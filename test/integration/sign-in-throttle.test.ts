/**
 * Sign-in throttling as an attacker meets it: parallel guesses, guesses from
 * many addresses, an attacker trying to lock a cashier out of their till,
 * floods, and a busy isolate. Every request goes through the Worker's fetch
 * handler with a CF-Connecting-IP, as Cloudflare sends it.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { PASSWORD_HASH_LIMITS, passwordHashGate } from "../../src/lib/auth/hash-gate";
import { AUTH_RATE_PERIOD_SECONDS } from "../../src/lib/auth/rate-limit";
import { loginThrottleConfig } from "../../src/lib/config";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";

const config = loginThrottleConfig(env);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const attempt = (username: string, password: string, address: string) =>
  call("POST", "/api/v1/auth/login", { body: { username, password }, headers: { "CF-Connecting-IP": address } });

async function freshCashier(name: string): Promise<Account> {
  const { admin } = await accounts();
  return createAccount(admin.token, name, "cashier");
}

const countStatuses = (responses: Response[]) =>
  responses.reduce<Record<number, number>>((counts, res) => {
    counts[res.status] = (counts[res.status] ?? 0) + 1;
    return counts;
  }, {});

describe("sign-in throttle", () => {
  it("judges at most LOGIN_MAX_FAILURES_PER_USER of 40 parallel wrong passwords from one address", async ({
    expect,
  }) => {
    const victim = await freshCashier("parallel1");
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => attempt(victim.username, "wrong-password", "192.0.2.40")),
    );
    const counts = countStatuses(responses);
    expect(counts).toEqual({ 401: config.maxFailuresPerUser, 429: 40 - config.maxFailuresPerUser });
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(Number(res.headers.get("Retry-After"))).toBeLessThanOrEqual(config.lockoutSeconds);
    }
  });

  it("judges at most LOGIN_USER_BACKOFF_AFTER of 40 parallel wrong passwords from 40 addresses", async ({ expect }) => {
    const victim = await freshCashier("parallel2");
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(victim.username, "wrong-password", `192.0.2.${100 + i}`)),
    );
    const counts = countStatuses(responses);
    expect(counts).toEqual({ 401: config.userBackoffAfter, 429: 40 - config.userBackoffAfter });
    // The refused ones wait for the username's first delay (one second), not a lockout.
    for (const res of responses.filter((r) => r.status === 429)) expect(res.headers.get("Retry-After")).toBe("1");
  });

  it("lets the right password in from another address while an attacker's address is locked out", async ({
    expect,
  }) => {
    const cashier = await freshCashier("till1");
    const attacker = "203.0.113.66";
    for (let i = 0; i < config.maxFailuresPerUser; i++) {
      expect((await attempt(cashier.username, "guess-guess", attacker)).status).toBe(401);
    }
    const locked = await attempt(cashier.username, cashier.password, attacker);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(config.lockoutSeconds - 60);

    // The cashier at their own till is not locked out by it.
    await expectJson(attempt(cashier.username, cashier.password, "198.51.100.10"), 200);
    // And the cashier's good login does not unlock the attacker.
    expect((await attempt(cashier.username, cashier.password, attacker)).status).toBe(429);
  });

  it("spaces guesses on one username from many addresses with growing delays, and a good login ends them", async ({
    expect,
  }) => {
    const cashier = await freshCashier("spread1");
    let address = 0;
    const next = () => `198.51.100.${20 + Math.floor(address++ / config.maxFailuresPerUser)}`;
    for (let i = 0; i < config.userBackoffAfter; i++) {
      expect((await attempt(cashier.username, "guess-guess", next())).status).toBe(401);
    }
    const first = await attempt(cashier.username, "guess-guess", "198.51.100.40");
    expect(first.status).toBe(429);
    expect(first.headers.get("Retry-After")).toBe("1");

    await sleep(1100);
    expect((await attempt(cashier.username, "guess-guess", "198.51.100.41")).status).toBe(401);
    const second = await attempt(cashier.username, cashier.password, "198.51.100.42");
    expect(second.status).toBe(429);
    expect(second.headers.get("Retry-After")).toBe("2");

    await sleep(2100);
    await expectJson(attempt(cashier.username, cashier.password, "198.51.100.43"), 200);
    // The good login started the username's count over: no delay for the next guess.
    expect((await attempt(cashier.username, "guess-guess", "198.51.100.44")).status).toBe(401);
    expect((await attempt(cashier.username, "guess-guess", "198.51.100.45")).status).toBe(401);
  });

  it("does not count good logins against the address", { timeout: 120_000 }, async ({ expect }) => {
    const cashier = await freshCashier("busytill");
    const statuses: number[] = [];
    for (let i = 0; i <= config.maxFailuresPerAddress; i++) {
      statuses.push((await attempt(cashier.username, cashier.password, "198.51.100.60")).status);
    }
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it("counts change-password's old password like a login", async ({ expect }) => {
    const cashier = await freshCashier("changer1");
    const headers = { "CF-Connecting-IP": "203.0.113.80" };
    const change = (old_password: string, token = cashier.token) =>
      call("POST", "/api/v1/auth/change-password", {
        token,
        headers,
        body: { old_password, new_password: "brand-new-pass-9" },
      });
    for (let i = 0; i < config.maxFailuresPerUser; i++) expect((await change("guess-guess")).status).toBe(400);
    const locked = await change(cashier.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
    // The same lock holds for logins from that address, not from elsewhere.
    expect((await attempt(cashier.username, cashier.password, "203.0.113.80")).status).toBe(429);
    const elsewhere = await call("POST", "/api/v1/auth/change-password", {
      token: cashier.token,
      headers: { "CF-Connecting-IP": "203.0.113.81" },
      body: { old_password: cashier.password, new_password: "brand-new-pass-9" },
    });
    expect(elsewhere.status).toBe(200);
  });
});

const refreshFrom = (address: string) =>
  call("POST", "/api/v1/auth/refresh", {
    body: { refresh_token: "not.a.token" },
    headers: { "CF-Connecting-IP": address },
  });

describe("in front of the throttle", () => {
  it("refuses a flood from one address through the rate-limit binding, before D1 is asked", async ({ expect }) => {
    const cashier = await freshCashier("flooded1");
    const address = "198.51.100.201";
    const limit = 60; // wrangler.toml [[ratelimits]] AUTH_RATE_LIMITER simple.limit
    // Twice the limit and one: even if the flood straddles the binding's window, one window overflows.
    const flood = await Promise.all(Array.from({ length: 2 * limit + 1 }, () => refreshFrom(address)));
    const refused = flood.filter((res) => res.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(flood.filter((res) => res.status !== 429).every((res) => res.status === 401)).toBe(true);
    expect(refused[0]?.headers.get("Retry-After")).toBe(String(AUTH_RATE_PERIOD_SECONDS));

    // Once more to the limit, one call at a time, so the login below falls in a full window.
    let refusedNow = false;
    for (let i = 0; i <= limit && !refusedNow; i++) refusedNow = (await refreshFrom(address)).status === 429;
    expect(refusedNow).toBe(true);
    const login = await attempt(cashier.username, "guess-guess", address);
    expect(login.status).toBe(429);
    expect(await login.json()).toMatchObject({ code: "RATE_LIMITED" });
    const counted = await env.DB.prepare("SELECT COUNT(*) AS n FROM login_attempts WHERE key LIKE ?1")
      .bind(`%${address}`)
      .first<{ n: number }>();
    expect(counted?.n).toBe(0);
  });

  it("answers 503 with Retry-After when the isolate's hash slots and queue are taken, and does not count it", async ({
    expect,
  }) => {
    const cashier = await freshCashier("busy1");
    const address = "203.0.113.90";
    let release = () => {};
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = Array.from({ length: PASSWORD_HASH_LIMITS.running + PASSWORD_HASH_LIMITS.queued }, () =>
      passwordHashGate.run(() => blocker),
    );
    try {
      const busy = await attempt(cashier.username, cashier.password, address);
      expect(busy.status).toBe(503);
      expect(busy.headers.get("Retry-After")).toBe(String(PASSWORD_HASH_LIMITS.retryAfterSeconds));
    } finally {
      release();
      await Promise.allSettled(held);
    }
    // The refused attempt was never judged, so the address still has its whole allowance.
    for (let i = 0; i < config.maxFailuresPerUser; i++) {
      expect((await attempt(cashier.username, "guess-guess", address)).status).toBe(401);
    }
    expect((await attempt(cashier.username, "guess-guess", address)).status).toBe(429);
  });
});
