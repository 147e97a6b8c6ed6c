/** Typed views over string `[vars]`, with the defaults a fresh checkout needs. */
import { parseMoney } from "../domain/money";
import { isValidTimeZone } from "../domain/time-zone";
import type { Bindings } from "../env";

const int = (value: string | undefined, fallback: number) => {
  const parsed = Number.parseInt(value ?? "", 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

export interface AuthConfig {
  secret: string;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export const authConfig = (env: Bindings): AuthConfig => {
  if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) {
    // Refusing to sign with a short or missing key beats issuing forgeable tokens.
    throw new Error("JWT_SECRET is missing or shorter than 32 characters");
  }
  return {
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER || "pos-api",
    audience: env.JWT_AUDIENCE || "pos-clients",
    accessTtlSeconds: int(env.ACCESS_TOKEN_TTL_SECONDS, 900),
    refreshTtlSeconds: int(env.REFRESH_TOKEN_TTL_SECONDS, 14 * 24 * 3600),
  };
};

export interface LoginThrottleConfig {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  lockoutSeconds: number;
}

export const loginThrottleConfig = (env: Bindings): LoginThrottleConfig => ({
  maxFailuresPerUser: int(env.LOGIN_MAX_FAILURES_PER_USER, 5),
  maxFailuresPerAddress: int(env.LOGIN_MAX_FAILURES_PER_ADDRESS, 30),
  lockoutSeconds: int(env.LOGIN_LOCKOUT_SECONDS, 900),
});

export const corsOrigins = (env: Bindings): string[] =>
  (env.CORS_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0 && origin !== "*");

export interface LoyaltyConfig {
  /** Points per currency unit (may be fractional: 0.5 = one point per two units). */
  pointsPerUnit: number;
  /** Cents one point is worth when redeemed. */
  pointValueCents: number;
}

export const loyaltyConfig = (env: Bindings): LoyaltyConfig => {
  const perUnit = Number.parseFloat(env.LOYALTY_POINTS_PER_UNIT ?? "1");
  const value = parseMoney(env.LOYALTY_POINT_VALUE ?? "0.01");
  return {
    pointsPerUnit: Number.isFinite(perUnit) && perUnit >= 0 ? perUnit : 1,
    pointValueCents: value.ok && value.cents > 0 ? value.cents : 1,
  };
};

/** Points an order of `totalCents` earns (rounded down). */
export const pointsFor = (totalCents: number, config: LoyaltyConfig) =>
  Math.floor((totalCents * config.pointsPerUnit) / 100);

export const MAX_LINK_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The shop's IANA time zone (STORE_TIMEZONE, default UTC). A misspelt one
 * would break every report, invoice and cron in the middle of its work, so it
 * fails here, once, with a message that names the setting.
 */
export function storeTimeZone(env: Pick<Bindings, "STORE_TIMEZONE">): string {
  const tz = env.STORE_TIMEZONE || "UTC";
  if (!isValidTimeZone(tz)) throw new Error(`STORE_TIMEZONE "${tz}" is not an IANA time zone`);
  return tz;
}

export interface DocumentsConfig {
  signingSecret: string;
  linkTtlSeconds: number;
  shopName: string;
  shopAddress: string[];
  currency: string;
  timeZone: string;
}

export const documentsConfig = (env: Bindings): DocumentsConfig => {
  if (!env.FILE_SIGNING_SECRET || env.FILE_SIGNING_SECRET.length < 32) {
    throw new Error("FILE_SIGNING_SECRET is missing or shorter than 32 characters");
  }
  return {
    signingSecret: env.FILE_SIGNING_SECRET,
    // Links live LINK_TTL_SECONDS, never more than 7 days.
    linkTtlSeconds: Math.min(int(env.LINK_TTL_SECONDS, 3600), MAX_LINK_TTL_SECONDS),
    shopName: env.SHOP_NAME || env.APP_NAME || "POS",
    shopAddress: (env.SHOP_ADDRESS ?? "")
      .split("|")
      .map((line) => line.trim())
      .filter(Boolean),
    currency: env.STORE_CURRENCY || "USD",
    timeZone: storeTimeZone(env),
  };
};
