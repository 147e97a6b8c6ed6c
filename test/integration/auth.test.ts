import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, it } from "vitest";
import { createApp } from "../../src/app";
import { accounts, createAccount } from "../helpers/accounts";
import { BASE, call, expectJson, login } from "../helpers/api";

const secret = new TextEncoder().encode(env.JWT_SECRET);
const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

/** The sign-in (refresh-token family) an access token belongs to. */
const sidOf = (token: string): string =>
  JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))).sid;

async function forge(
  claims: Record<string, unknown>,
  options: { key?: Uint8Array; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(now)
    .setIssuer(options.iss ?? env.JWT_ISSUER)
    .setAudience(options.aud ?? env.JWT_AUDIENCE)
    .setExpirationTime(options.exp ?? now + 600);
  if (options.nbf) jwt = jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? secret);
}

describe("register, login, me, refresh, logout", () => {
  it("runs the whole token round trip", async ({ expect }) => {
    const { admin } = await accounts();
    const tokens = await login(admin.username, admin.password);
    expect(tokens).toMatchObject({ token_type: "bearer" });

    const me = await expectJson(call("GET", "/api/v1/auth/me", { token: tokens.access_token }), 200);
    expect(me).toMatchObject({ username: "admin", role: "admin" });

    const rotated = await expectJson<{ access_token: string; refresh_token: string }>(
      call("POST", "/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } }),
      200,
    );
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    await expectJson(call("GET", "/api/v1/auth/me", { token: rotated.access_token }), 200);

    await expectJson(
      call("POST", "/api/v1/auth/logout", {
        token: rotated.access_token,
        body: { refresh_token: rotated.refresh_token },
      }),
      200,
    );
    const afterLogout = await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: rotated.refresh_token } });
    expect(afterLogout.status).toBe(401);
  });

  it("accepts the OAuth2 password form that Swagger UI sends", async ({ expect }) => {
    const { manager } = await accounts();
    const form = new URLSearchParams({
      grant_type: "password",
      username: manager.username,
      password: manager.password,
    });
    const res = await call("POST", "/api/v1/auth/login", {
      raw: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const body = await expectJson(res, 200);
    expect(body).toMatchObject({ token_type: "bearer" });
  });

  it("revokes the whole family when a spent refresh token comes back", async ({ expect }) => {
    const { cashier } = await accounts();
    const first = await login(cashier.username, cashier.password);
    const second = await expectJson<{ refresh_token: string }>(
      call("POST", "/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } }),
      200,
    );
    const replay = await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } });
    expect(replay.status).toBe(401);
    // The thief's replay also kills the legitimate descendant.
    const legit = await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: second.refresh_token } });
    expect(legit.status).toBe(401);
  });

  it("lets exactly one of two concurrent refreshes with one token win", async ({ expect }) => {
    const { manager } = await accounts();
    const tokens = await login(manager.username, manager.password);
    const results = await Promise.all(
      [1, 2].map(() => call("POST", "/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("changing the password revokes refresh tokens and old access tokens", async ({ expect }) => {
    await accounts();
    const admin = await login("admin", "admin123");
    await expectJson(
      call("POST", "/api/v1/auth/register", {
        token: admin.access_token,
        body: { username: "pwuser", email: "pw@example.com", password: "first-pass-1", role: "cashier" },
      }),
      201,
    );
    const before = await login("pwuser", "first-pass-1");
    const wrongOld = await call("POST", "/api/v1/auth/change-password", {
      token: before.access_token,
      body: { old_password: "nope-nope-1", new_password: "second-pass-2" },
    });
    expect(wrongOld.status).toBe(400);

    const changed = await expectJson<{ access_token: string }>(
      call("POST", "/api/v1/auth/change-password", {
        token: before.access_token,
        body: { old_password: "first-pass-1", new_password: "second-pass-2" },
      }),
      200,
    );
    expect((await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: before.refresh_token } })).status).toBe(
      401,
    );
    expect((await call("GET", "/api/v1/auth/me", { token: before.access_token })).status).toBe(401);
    await expectJson(call("GET", "/api/v1/auth/me", { token: changed.access_token }), 200);
    expect(
      (await call("POST", "/api/v1/auth/login", { body: { username: "pwuser", password: "first-pass-1" } })).status,
    ).toBe(401);
    await login("pwuser", "second-pass-2");
  });

  it("refuses a deactivated user at login and with an old token", async ({ expect }) => {
    const { admin } = await accounts();
    await expectJson(
      call("POST", "/api/v1/auth/register", {
        token: admin.token,
        body: { username: "leaver", email: "leaver@example.com", password: "leaver-pass-1", role: "cashier" },
      }),
      201,
    );
    const tokens = await login("leaver", "leaver-pass-1");
    const me = await expectJson<{ id: number }>(call("GET", "/api/v1/auth/me", { token: tokens.access_token }), 200);
    await expectJson(call("DELETE", `/api/v1/users/${me.id}`, { token: admin.token }), 200);

    expect((await call("GET", "/api/v1/auth/me", { token: tokens.access_token })).status).toBe(401);
    expect((await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } })).status).toBe(
      401,
    );
    const relogin = await call("POST", "/api/v1/auth/login", {
      body: { username: "leaver", password: "leaver-pass-1" },
    });
    expect(relogin.status).toBe(403);

    await expectJson(call("POST", `/api/v1/users/${me.id}/activate`, { token: admin.token }), 200);
    await login("leaver", "leaver-pass-1");
  });
});

describe("register in OpenAPI", () => {
  it("documents the X-Bootstrap-Token header the first account needs", async ({ expect }) => {
    const spec = await expectJson<{
      paths: Record<
        string,
        Record<string, { description?: string; parameters?: { name: string; in: string; required?: boolean }[] }>
      >;
    }>(call("GET", "/openapi.json"), 200);
    const register = spec.paths["/api/v1/auth/register"]?.post;
    const header = register?.parameters?.find((p) => p.in === "header" && p.name.toLowerCase() === "x-bootstrap-token");
    expect(header).toBeDefined();
    expect(header?.required ?? false).toBe(false);
    expect(register?.description).toContain("X-Bootstrap-Token");
    expect(register?.description).not.toContain("needs no token");
  });
});

describe("sessions", () => {
  const me = (token: string) => call("GET", "/api/v1/auth/me", { token });

  it("ends the access tokens of a sign-in whose spent refresh token comes back, not the user's other sign-ins", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const stolen = await login(manager.username, manager.password);
    const otherDevice = await login(manager.username, manager.password);
    const rotated = await expectJson<{ access_token: string; refresh_token: string }>(
      call("POST", "/api/v1/auth/refresh", { body: { refresh_token: stolen.refresh_token } }),
      200,
    );
    expect((await me(stolen.access_token)).status).toBe(200);

    const replay = await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: stolen.refresh_token } });
    expect(replay.status).toBe(401);
    expect((await me(stolen.access_token)).status).toBe(401);
    expect((await me(rotated.access_token)).status).toBe(401);
    // The hot path that checks the caller inside its own batch (selling) refuses it too.
    const sale = await call("POST", "/api/v1/orders", {
      token: rotated.access_token,
      body: { order_items: [{ product_id: 999_999, quantity: 1 }] },
    });
    expect(sale.status).toBe(401);

    await expectJson(me(otherDevice.access_token), 200);
    await expectJson(call("POST", "/api/v1/auth/refresh", { body: { refresh_token: otherDevice.refresh_token } }), 200);
  });

  it("ends the sign-in of the given refresh token on logout, not the user's other sign-ins", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "twodevices", "cashier");
    const phone = await login(user.username, user.password);

    await expectJson(
      call("POST", "/api/v1/auth/logout", { token: phone.access_token, body: { refresh_token: phone.refresh_token } }),
      200,
    );
    expect((await me(phone.access_token)).status).toBe(401);
    await expectJson(me(user.token), 200);
  });

  it("ends only the sign-in of the access token used on a logout without a body (old clients)", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "bodiless", "cashier");
    const till = await login(user.username, user.password);
    const tablet = await login(user.username, user.password);

    await expectJson(call("POST", "/api/v1/auth/logout", { token: till.access_token }), 200);
    expect((await me(till.access_token)).status).toBe(401);
    expect((await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: till.refresh_token } })).status).toBe(
      401,
    );
    await expectJson(me(tablet.access_token), 200);
    await expectJson(me(user.token), 200);
    await expectJson(call("POST", "/api/v1/auth/refresh", { body: { refresh_token: tablet.refresh_token } }), 200);

    // An empty JSON object, and a JSON Content-Type with no body, are the same bodiless logout.
    const second = await login(user.username, user.password);
    await expectJson(call("POST", "/api/v1/auth/logout", { token: second.access_token, body: {} }), 200);
    expect((await me(second.access_token)).status).toBe(401);
    const third = await login(user.username, user.password);
    await expectJson(
      call("POST", "/api/v1/auth/logout", {
        token: third.access_token,
        headers: { "Content-Type": "application/json" },
      }),
      200,
    );
    expect((await me(third.access_token)).status).toBe(401);
    await expectJson(me(user.token), 200);
  });

  it("ends every sign-in of the caller on a logout with everywhere: true", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "everywhere", "cashier");
    const till = await login(user.username, user.password);
    const tablet = await login(user.username, user.password);

    await expectJson(
      call("POST", "/api/v1/auth/logout", { token: till.access_token, body: { everywhere: true } }),
      200,
    );
    expect((await me(till.access_token)).status).toBe(401);
    expect((await me(tablet.access_token)).status).toBe(401);
    expect((await me(user.token)).status).toBe(401);
    const refreshed = await call("POST", "/api/v1/auth/refresh", { body: { refresh_token: tablet.refresh_token } });
    expect(refreshed.status).toBe(401);

    const bad = await call("POST", "/api/v1/auth/logout", { token: user.token, body: { everywhere: "yes" } });
    expect(bad.status).toBe(401);
    const fresh = await login(user.username, user.password);
    const invalid = await call("POST", "/api/v1/auth/logout", {
      token: fresh.access_token,
      body: { everywhere: "yes" },
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ detail: [{ loc: ["body", "everywhere"] }] });
  });

  it("issues access tokens that live ACCESS_TOKEN_TTL_SECONDS, an hour by default", async ({ expect }) => {
    const { admin } = await accounts();
    const tokens = await expectJson<{ access_token: string; expires_in: number }>(
      call("POST", "/api/v1/auth/login", { body: { username: admin.username, password: admin.password } }),
      200,
    );
    expect(tokens.expires_in).toBe(3600);
    const claims = JSON.parse(atob((tokens.access_token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims.exp - claims.iat).toBe(3600);
  });
});

describe("change-password in the replaced API's query form (deprecated)", () => {
  it("changes the password from ?old_password=&new_password=, and logs neither", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "queryform", "cashier");
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
    const original = { log: console.log, warn: console.warn, error: console.error };
    Object.assign(console, { log: capture, warn: capture, error: capture });
    // The same app with logging on (the test config silences it).
    const app = createApp();
    const loud = { ...env, LOG_LEVEL: "debug" };
    const send = (query: string, token: string) =>
      app.fetch(
        new Request(`${BASE}/api/v1/auth/change-password?${query}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}` },
        }),
        loud,
        { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext,
      );
    let changed: Response;
    let wrong: Response;
    try {
      wrong = await send("old_password=Wrong-Guess-771&new_password=Second-Secret-772", user.token);
      changed = await send(`old_password=${user.password}&new_password=Second-Secret-772`, user.token);
    } finally {
      Object.assign(console, original);
    }
    expect(wrong.status).toBe(400);
    expect(changed.status).toBe(200);
    const body = await changed.json<{ access_token: string }>();
    await expectJson(call("GET", "/api/v1/auth/me", { token: body.access_token }), 200);
    await login(user.username, "Second-Secret-772");

    expect(lines.some((line) => line.includes("/api/v1/auth/change-password"))).toBe(true);
    for (const secret of ["Wrong-Guess-771", "Second-Secret-772", user.password, "old_password", "new_password"]) {
      expect(lines.join("\n")).not.toContain(secret);
    }
  });

  it("checks the query form like the body (422 naming the query), and prefers a JSON body", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "queryform2", "cashier");
    const same = await call(
      "POST",
      `/api/v1/auth/change-password?old_password=${user.password}&new_password=${user.password}`,
      {
        token: user.token,
      },
    );
    expect(same.status).toBe(422);
    expect(await same.json()).toMatchObject({ detail: [{ loc: ["query", "new_password"] }] });
    const none = await call("POST", "/api/v1/auth/change-password", { token: user.token });
    expect(none.status).toBe(422);
    expect(await none.json()).toMatchObject({
      detail: [{ loc: ["body", "old_password"] }, { loc: ["body", "new_password"] }],
    });

    await expectJson(
      call("POST", "/api/v1/auth/change-password?old_password=ignored&new_password=ignored-too-1", {
        token: user.token,
        body: { old_password: user.password, new_password: "From-The-Body-3" },
      }),
      200,
    );
    await login(user.username, "From-The-Body-3");
  });

  it("takes the query form when a JSON Content-Type comes with an empty body or {}", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await createAccount(admin.token, "queryform3", "cashier");
    const json = { "Content-Type": "application/json" };
    const forms: [string, Omit<NonNullable<Parameters<typeof call>[2]>, "token">][] = [
      ["no Content-Type", {}],
      ["JSON, empty body", { headers: json }],
      ["JSON, {}", { body: {} }],
      ["JSON with charset, blank body", { headers: { "Content-Type": "application/json; charset=utf-8" }, raw: "  " }],
    ];
    let password = user.password;
    let token = user.token;
    for (const [index, [name, options]] of forms.entries()) {
      const next = `Query-Form-Secret-${index}`;
      const res = await call("POST", `/api/v1/auth/change-password?old_password=${password}&new_password=${next}`, {
        ...options,
        token,
      });
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(200);
      token = (await res.json<{ access_token: string }>()).access_token;
      password = next;
    }
    await login(user.username, password);

    // Bad input is still a 422 naming the field.
    const same = await call("POST", `/api/v1/auth/change-password?old_password=${password}&new_password=${password}`, {
      token,
      headers: json,
    });
    expect(same.status).toBe(422);
    expect(await same.json()).toMatchObject({ detail: [{ loc: ["query", "new_password"] }] });
    const short = await call("POST", `/api/v1/auth/change-password?old_password=${password}&new_password=x`, {
      token,
      body: {},
    });
    expect(short.status).toBe(422);
    expect(await short.json()).toMatchObject({ detail: [{ loc: ["query", "new_password"] }] });
    for (const options of [{ headers: json }, { body: {} }]) {
      const none = await call("POST", "/api/v1/auth/change-password", { ...options, token });
      expect(none.status).toBe(422);
      expect(await none.json()).toMatchObject({
        detail: [{ loc: ["body", "old_password"] }, { loc: ["body", "new_password"] }],
      });
    }
    const partial = await call("POST", "/api/v1/auth/change-password", { token, body: { old_password: password } });
    expect(partial.status).toBe(422);
    expect(await partial.json()).toMatchObject({ detail: [{ loc: ["body", "new_password"] }] });
    await login(user.username, password);
  });

  it("marks the query parameters deprecated in OpenAPI", async ({ expect }) => {
    const spec = await expectJson<{
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; deprecated?: boolean }[] }>>;
    }>(call("GET", "/openapi.json"), 200);
    const params = spec.paths["/api/v1/auth/change-password"]?.post?.parameters ?? [];
    expect(params.filter((p) => p.in === "query").map((p) => [p.name, p.deprecated])).toEqual([
      ["old_password", true],
      ["new_password", true],
    ]);
  });
});

describe("login throttling", () => {
  it("refuses to log out with someone else's refresh token, and leaves their session alone", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const theirs = await login(manager.username, manager.password);
    const mine = await login(admin.username, admin.password);
    const res = await call("POST", "/api/v1/auth/logout", {
      token: mine.access_token,
      body: { refresh_token: theirs.refresh_token },
    });
    expect(res.status).toBe(400);
    await expectJson(call("POST", "/api/v1/auth/refresh", { body: { refresh_token: theirs.refresh_token } }), 200);
  });

  it("starts counting failures again after a good login", async ({ expect }) => {
    const { cashier } = await accounts();
    const headers = { "CF-Connecting-IP": "203.0.113.99" };
    const attempt = (password: string) =>
      call("POST", "/api/v1/auth/login", { body: { username: cashier.username, password }, headers });
    for (let i = 0; i < 4; i++) expect((await attempt("wrong-password")).status).toBe(401);
    expect((await attempt(cashier.password)).status).toBe(200);
    // Four more wrong ones stay under the limit of five only because the good login reset the count.
    for (let i = 0; i < 4; i++) expect((await attempt("wrong-password")).status).toBe(401);
    expect((await attempt(cashier.password)).status).toBe(200);
  });

  it("answers 401 to a wrong password and 429 with Retry-After once the limit is hit", async ({ expect }) => {
    const { inventory_officer: officer } = await accounts();
    const headers = { "CF-Connecting-IP": "203.0.113.7" };
    const attempt = (password: string) =>
      call("POST", "/api/v1/auth/login", { body: { username: officer.username, password }, headers });
    for (let i = 0; i < 5; i++) {
      const res = await attempt("wrong-password");
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "INVALID_CREDENTIALS" });
    }
    const locked = await attempt(officer.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  // 31 argon2 hashes one after another: 17–24 s here, so it gets room beyond the 30 s default.
  it("throttles one address guessing many usernames", { timeout: 90_000 }, async ({ expect }) => {
    await accounts();
    const headers = { "CF-Connecting-IP": "198.51.100.9" };
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await call("POST", "/api/v1/auth/login", { body: { username: `ghost${i}`, password: "x" }, headers });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe("token attacks", () => {
  const me = (token: string) => call("GET", "/api/v1/auth/me", { token });

  it("rejects alg none, tampering, wrong keys, expiry, not-before, issuer and audience", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const now = Math.floor(Date.now() / 1000);
    const claims = { typ: "access", role: "admin", tv: 0, sub: String(cashier.id), sid: sidOf(cashier.token) };

    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ ...claims, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, exp: now + 600, iat: now })}.`;
    const [header, , signature] = cashier.token.split(".");
    const tampered = `${header}.${b64url({ ...claims, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, exp: now + 600, iat: now })}.${signature}`;
    const attacks = {
      none,
      tampered,
      wrongKey: await forge(claims, { key: new TextEncoder().encode("another-secret-that-is-long-enough-000") }),
      expired: await forge(claims, { exp: now - 10 }),
      notYetValid: await forge(claims, { nbf: now + 3600 }),
      wrongIssuer: await forge(claims, { iss: "someone-else" }),
      wrongAudience: await forge(claims, { aud: "another-app" }),
      refreshAsAccess: cashier.refresh,
      garbage: "not.a.token",
      // Signed correctly, but naming no sign-in, or one that does not exist or is someone else's.
      noSession: await forge({ typ: "access", role: "admin", tv: 0, sub: String(admin.id) }),
      unknownSession: await forge({ typ: "access", role: "admin", tv: 0, sub: String(admin.id), sid: "nope" }),
      othersSession: await forge({
        typ: "access",
        role: "admin",
        tv: 0,
        sub: String(admin.id),
        sid: sidOf(cashier.token),
      }),
    };
    for (const [name, token] of Object.entries(attacks)) {
      const res = await me(token);
      expect(res.status, name).toBe(401);
      expect(res.headers.get("WWW-Authenticate"), name).toBe("Bearer");
    }
    // A correctly signed token still works, proving the forge helper signs properly.
    const good = await forge({ typ: "access", role: "admin", tv: 0, sub: String(admin.id), sid: sidOf(admin.token) });
    expect((await me(good)).status).toBe(200);
  });

  it("never takes the role from the token", async ({ expect }) => {
    const { cashier } = await accounts();
    const lying = await forge({
      typ: "access",
      role: "admin",
      tv: 0,
      sub: String(cashier.id),
      sid: sidOf(cashier.token),
    });
    expect((await call("GET", "/api/v1/users", { token: lying })).status).toBe(403);
  });
});
