import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { appConfig, ConfigError, parseConfig } from "../../src/lib/config";

const secrets = {
  JWT_SECRET: "a-jwt-secret-that-is-long-enough-0123456789",
  FILE_SIGNING_SECRET: "a-file-secret-that-is-long-enough-0123456789",
};

/** The ConfigError's list of problems for these settings (fails if they parse). */
function problems(raw: Record<string, string>): string[] {
  try {
    parseConfig({ ...secrets, ...raw });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("gives a fresh checkout's defaults when settings are absent or blank", ({ expect }) => {
    const config = parseConfig({ ...secrets, ACCESS_TOKEN_TTL_SECONDS: " " });
    expect(config.auth.accessTtlSeconds).toBe(3600);
    expect(config.loginThrottle).toEqual({
      maxFailuresPerUser: 5,
      maxFailuresPerAddress: 30,
      lockoutSeconds: 900,
      userBackoffAfter: 10,
      userBackoffMaxSeconds: 60,
    });
    expect(config.loyalty).toEqual({ pointsPerUnit: 1, pointValueCents: 1 });
    expect(config.email.transport).toBe("log");
    expect(config.corsOrigins).toEqual([]);
    expect(config.logLevel).toBe("info");
    expect(config.debug).toBe(false);
  });

  it("keeps real values, trims lists and URLs, caps link lifetimes", ({ expect }) => {
    const config = parseConfig({
      ...secrets,
      CORS_ORIGINS: " https://till.example.com , http://localhost:5173",
      PUBLIC_BASE_URL: "https://pos.example.com/",
      LINK_TTL_SECONDS: "99999999",
      LOYALTY_POINTS_PER_UNIT: "0.5",
      LOYALTY_POINT_VALUE: "0.05",
    });
    expect(config.corsOrigins).toEqual(["https://till.example.com", "http://localhost:5173"]);
    expect(config.publicBaseUrl).toBe("https://pos.example.com");
    expect(config.documents.linkTtlSeconds).toBe(7 * 24 * 3600);
    expect(config.loyalty).toEqual({ pointsPerUnit: 0.5, pointValueCents: 5 });
  });

  it("reads no shop settings any more: they are each store's fields (a stale one is ignored, not fatal)", ({
    expect,
  }) => {
    const config = parseConfig({
      ...secrets,
      STORE_TIMEZONE: "Europe/Berlni",
      STORE_CURRENCY: "dollars",
      SHOP_NAME: "Old Shop",
      SHOP_ADDRESS: "1 Main St| Town",
    });
    expect(JSON.stringify(config)).not.toMatch(/Berlni|dollars|Old Shop|1 Main St/);
    expect(config).not.toHaveProperty("timeZone");
    expect(config.documents).not.toHaveProperty("shopName");
    expect(config.documents).not.toHaveProperty("shopAddress");
    expect(config.documents).not.toHaveProperty("currency");
  });

  it("caps manual loyalty adjustments at LOYALTY_MAX_MANUAL_ADJUSTMENT, 10 000 unless set", ({ expect }) => {
    expect(parseConfig(secrets).loyaltyMaxManualAdjustment).toBe(10_000);
    expect(parseConfig({ ...secrets, LOYALTY_MAX_MANUAL_ADJUSTMENT: "500" }).loyaltyMaxManualAdjustment).toBe(500);
    for (const bad of ["0", "-5", "1e4", "ten"]) {
      expect(problems({ LOYALTY_MAX_MANUAL_ADJUSTMENT: bad })[0], bad).toMatch(/^LOYALTY_MAX_MANUAL_ADJUSTMENT /);
    }
  });

  it("caps cashier discounts at CASHIER_MAX_DISCOUNT_PERCENT: 20 unless set, a percentage from 0 to 100", ({
    expect,
  }) => {
    expect(parseConfig(secrets).cashierMaxDiscountPercent).toBe(20);
    for (const [raw, value] of [
      ["0", 0],
      ["12.5", 12.5],
      ["100", 100],
    ] as const) {
      expect(parseConfig({ ...secrets, CASHIER_MAX_DISCOUNT_PERCENT: raw }).cashierMaxDiscountPercent).toBe(value);
    }
    for (const bad of ["101", "-5", "20%", "ten"]) {
      expect(problems({ CASHIER_MAX_DISCOUNT_PERCENT: bad })[0], bad).toMatch(
        /^CASHIER_MAX_DISCOUNT_PERCENT must be a percentage/,
      );
    }
  });

  it("names every malformed setting instead of falling back to a default", ({ expect }) => {
    const found = problems({
      ACCESS_TOKEN_TTL_SECONDS: "15m",
      LOGIN_MAX_FAILURES_PER_USER: "0",
      LOGIN_USER_BACKOFF_MAX_SECONDS: "1m",
      LOG_LEVEL: "verbose",
      EMAIL_TRANSPORT: "smtp",
      PUBLIC_BASE_URL: "pos.example.com",
      CORS_ORIGINS: "https://ok.example.com,*",
      LOYALTY_POINT_VALUE: "0.001",
      DEBUG: "yes",
    });
    for (const name of [
      "ACCESS_TOKEN_TTL_SECONDS",
      "LOGIN_MAX_FAILURES_PER_USER",
      "LOGIN_USER_BACKOFF_MAX_SECONDS",
      "LOG_LEVEL",
      "EMAIL_TRANSPORT",
      "PUBLIC_BASE_URL",
      'CORS_ORIGINS "*"',
      "LOYALTY_POINT_VALUE",
      "DEBUG",
    ]) {
      expect(found.some((problem) => problem.startsWith(name))).toBe(true);
    }
    expect(found).toHaveLength(9);
  });

  it("refuses missing or short secrets without printing them", ({ expect }) => {
    const found = problems({ JWT_SECRET: "short-secret", FILE_SIGNING_SECRET: "" });
    expect(found).toEqual([
      "JWT_SECRET must be at least 32 characters",
      "FILE_SIGNING_SECRET is missing (wrangler secret put FILE_SIGNING_SECRET; .dev.vars locally)",
    ]);
  });

  it("keeps access tokens within their sign-in's refresh lifetime", ({ expect }) => {
    expect(problems({ ACCESS_TOKEN_TTL_SECONDS: "7200", REFRESH_TOKEN_TTL_SECONDS: "3600" })).toEqual([
      "ACCESS_TOKEN_TTL_SECONDS must not exceed REFRESH_TOKEN_TTL_SECONDS",
    ]);
  });

  it("needs EMAIL_HTTP_URL for the http transport", ({ expect }) => {
    expect(problems({ EMAIL_TRANSPORT: "http" })).toEqual([
      'EMAIL_HTTP_URL is required when EMAIL_TRANSPORT is "http"',
    ]);
  });

  it("parses the Worker's own settings once and hands out the same object", ({ expect }) => {
    expect(appConfig(env)).toBe(appConfig(env));
  });
});
