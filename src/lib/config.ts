/**
 * The Worker's settings: `[vars]` from wrangler.toml and secrets, parsed and
 * validated once per isolate (per env object) into one typed `AppConfig`.
 * A malformed number, enum, URL or list throws a `ConfigError` naming every
 * bad setting, on the first request, instead of silently falling back to a
 * default that nobody chose. The section accessors below (`authConfig`,
 * `loyaltyConfig`, …) are views of that one parse.
 */

import { z } from "zod";
import type { LoyaltyRates } from "../domain/loyalty";
import { parseMoney } from "../domain/money";

export const MAX_LINK_TTL_SECONDS = 7 * 24 * 3600;
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export const EMAIL_TRANSPORTS = ["log", "http", "send_email"] as const;

/** The raw settings: every var and secret arrives as a string (or not at all). */
export type RawSettings = Record<string, unknown>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

// Each setting is an optional string; blank means "use the default". Helpers
// below turn it into the typed value or add an issue that names the setting.
const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : typeof value === "string" ? value.trim() : value;
const setting = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema);

const positiveInt = (fallback: number) =>
  setting(
    z
      .string()
      .regex(/^\d+$/, "must be a positive whole number")
      .transform(Number)
      .refine((n) => n > 0 && Number.isSafeInteger(n), "must be a positive whole number")
      .optional(),
  ).transform((n) => n ?? fallback);

const nonNegativeNumber = (fallback: number) =>
  setting(
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, "must be a non-negative number such as 1 or 0.5")
      .transform(Number)
      .optional(),
  ).transform((n) => n ?? fallback);

/** A percentage from 0 to 100 (decimals allowed). */
const percent = (fallback: number) =>
  setting(
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, "must be a percentage from 0 to 100")
      .transform(Number)
      .refine((n) => n <= 100, "must be a percentage from 0 to 100")
      .optional(),
  ).transform((n) => n ?? fallback);

/** Default of CASHIER_MAX_DISCOUNT_PERCENT (services use it when no config is passed). */
export const DEFAULT_CASHIER_MAX_DISCOUNT_PERCENT = 20;

const text = (fallback: string) => setting(z.string().optional()).transform((s) => s ?? fallback);

const httpUrl = (fallback: string | undefined) =>
  setting(
    z
      .string()
      .refine((s) => {
        try {
          const url = new URL(s);
          return url.protocol === "https:" || url.protocol === "http:";
        } catch {
          return false;
        }
      }, "must be an absolute http(s) URL")
      .optional(),
  ).transform((s) => (s ?? fallback)?.replace(/\/+$/, ""));

const secret = (name: string) =>
  setting(z.string({ error: `is missing (wrangler secret put ${name}; .dev.vars locally)` })).refine(
    (s) => typeof s === "string" && s.length >= 32,
    "must be at least 32 characters",
  );

const optionalSecret = setting(z.string().optional());

const origins = setting(z.string().optional()).transform((raw, ctx) => {
  const list = (raw ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  for (const origin of list) {
    let ok = false;
    try {
      const url = new URL(origin);
      ok = (url.protocol === "https:" || url.protocol === "http:") && url.origin === origin;
    } catch {}
    if (!ok) {
      ctx.addIssue({
        code: "custom",
        message: `"${origin}" is not an origin such as https://shop.example.com ("*" is not accepted)`,
      });
    }
  }
  return list;
});

const SettingsSchema = z.object({
  APP_NAME: text("POS API"),
  APP_VERSION: text("0.1.0"),
  JWT_SECRET: secret("JWT_SECRET"),
  JWT_ISSUER: text("pos-api"),
  JWT_AUDIENCE: text("pos-clients"),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(3600),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(14 * 24 * 3600),
  BOOTSTRAP_TOKEN: setting(z.string().min(24, "must be at least 24 characters when set").optional()),
  CORS_ORIGINS: origins,
  LOGIN_MAX_FAILURES_PER_USER: positiveInt(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt(30),
  LOGIN_LOCKOUT_SECONDS: positiveInt(900),
  LOGIN_USER_BACKOFF_AFTER: positiveInt(10),
  LOGIN_USER_BACKOFF_MAX_SECONDS: positiveInt(60),
  LOYALTY_POINTS_PER_UNIT: nonNegativeNumber(1),
  LOYALTY_MAX_MANUAL_ADJUSTMENT: positiveInt(10_000),
  CASHIER_MAX_DISCOUNT_PERCENT: percent(DEFAULT_CASHIER_MAX_DISCOUNT_PERCENT),
  LOYALTY_POINT_VALUE: setting(z.string().optional()).transform((raw, ctx) => {
    const parsed = parseMoney(raw ?? "0.01");
    if (!parsed.ok || parsed.cents <= 0) {
      ctx.addIssue({ code: "custom", message: "must be a positive amount such as 0.01" });
      return 1;
    }
    return parsed.cents;
  }),
  FILE_SIGNING_SECRET: secret("FILE_SIGNING_SECRET"),
  LINK_TTL_SECONDS: positiveInt(3600).transform((s) => Math.min(s, MAX_LINK_TTL_SECONDS)),
  EMAIL_TRANSPORT: setting(z.enum(EMAIL_TRANSPORTS).optional()).transform((t) => t ?? "log"),
  EMAIL_FROM: text("POS <pos@example.com>"),
  EMAIL_HTTP_URL: httpUrl(undefined),
  EMAIL_HTTP_KEY: optionalSecret,
  PUBLIC_BASE_URL: httpUrl("http://127.0.0.1:8787"),
  BACKUP_RETENTION_DAYS: positiveInt(14),
  IDEMPOTENCY_RETENTION_HOURS: positiveInt(72).refine(
    (hours) => hours >= 24,
    "must be at least 24 (a key must outlive every client's retries)",
  ),
  AUDIT_RETENTION_MONTHS: positiveInt(24),
  WEBHOOK_SECRET_GRACE_HOURS: positiveInt(24),
  WEBHOOK_DISABLE_AFTER_HOURS: positiveInt(72),
  WEBHOOK_ALLOW_LOOPBACK: setting(z.enum(["true", "false"]).optional()).transform((d) => d === "true"),
  LOG_LEVEL: setting(z.enum(LOG_LEVELS).optional()).transform((l) => l ?? "info"),
  DEBUG: setting(z.enum(["true", "false"]).optional()).transform((d) => d === "true"),
});

type Settings = z.output<typeof SettingsSchema>;

export interface AuthConfig {
  secret: string;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

/** Sign-in throttling; the rules are in src/services/login-throttle.ts. */
export interface LoginThrottleConfig {
  /** Password checks per window for one username from one address. */
  maxFailuresPerUser: number;
  /** Password checks per window from one address, whatever the usernames. */
  maxFailuresPerAddress: number;
  /** Length of each counter's window. */
  lockoutSeconds: number;
  /** Checks per window on one username (all addresses) before each further one must wait. */
  userBackoffAfter: number;
  /** Longest such wait (it doubles from one second). */
  userBackoffMaxSeconds: number;
}

export type LoyaltyConfig = LoyaltyRates;

export interface DocumentsConfig {
  signingSecret: string;
  linkTtlSeconds: number;
}

export interface EmailConfig {
  transport: (typeof EMAIL_TRANSPORTS)[number];
  from: string;
  httpUrl: string | undefined;
  httpKey: string | undefined;
}

/** README "Webhooks and the events feed". */
export interface WebhooksConfig {
  /** After a rotation, the old secret also signs for this long. */
  secretGraceHours: number;
  /** An endpoint whose deliveries have failed this long without a success is disabled (admins emailed). */
  disableAfterHours: number;
  /**
   * Tests and local runs only: endpoints may be http:// and on loopback
   * (127.0.0.0/8, ::1, localhost). Private and link-local targets stay refused.
   */
  allowLoopback: boolean;
}

export interface AppConfig {
  appName: string;
  appVersion: string;
  auth: AuthConfig;
  /**
   * One-time secret the very first registration must present (X-Bootstrap-Token);
   * without it no first account can be registered over HTTP (npm run admin:create).
   */
  bootstrapToken: string | undefined;
  loginThrottle: LoginThrottleConfig;
  loyalty: LoyaltyConfig;
  /** Most points one manual adjustment (POST /customers/{id}/loyalty-points) may add or remove. */
  loyaltyMaxManualAdjustment: number;
  /**
   * Most a user without `prices:override` may take off an order, line and
   * order discounts together, in percent of its value before any discount.
   */
  cashierMaxDiscountPercent: number;
  documents: DocumentsConfig;
  email: EmailConfig;
  corsOrigins: string[];
  /** Base of links in emails, without a trailing slash. */
  publicBaseUrl: string;
  backupRetentionDays: number;
  /** Idempotency keys older than this are pruned by the hourly housekeeping. */
  idempotencyRetentionHours: number;
  /** Audit events older than this many months leave D1 for R2 (the nightly backup job). */
  auditRetentionMonths: number;
  webhooks: WebhooksConfig;
  logLevel: (typeof LOG_LEVELS)[number];
  debug: boolean;
}

function assemble(s: Settings): AppConfig {
  return {
    appName: s.APP_NAME,
    appVersion: s.APP_VERSION,
    auth: {
      secret: s.JWT_SECRET,
      issuer: s.JWT_ISSUER,
      audience: s.JWT_AUDIENCE,
      accessTtlSeconds: s.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: s.REFRESH_TOKEN_TTL_SECONDS,
    },
    bootstrapToken: s.BOOTSTRAP_TOKEN,
    loginThrottle: {
      maxFailuresPerUser: s.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerAddress: s.LOGIN_MAX_FAILURES_PER_ADDRESS,
      lockoutSeconds: s.LOGIN_LOCKOUT_SECONDS,
      userBackoffAfter: s.LOGIN_USER_BACKOFF_AFTER,
      userBackoffMaxSeconds: s.LOGIN_USER_BACKOFF_MAX_SECONDS,
    },
    loyalty: { pointsPerUnit: s.LOYALTY_POINTS_PER_UNIT, pointValueCents: s.LOYALTY_POINT_VALUE },
    loyaltyMaxManualAdjustment: s.LOYALTY_MAX_MANUAL_ADJUSTMENT,
    cashierMaxDiscountPercent: s.CASHIER_MAX_DISCOUNT_PERCENT,
    documents: {
      signingSecret: s.FILE_SIGNING_SECRET,
      linkTtlSeconds: s.LINK_TTL_SECONDS,
    },
    email: { transport: s.EMAIL_TRANSPORT, from: s.EMAIL_FROM, httpUrl: s.EMAIL_HTTP_URL, httpKey: s.EMAIL_HTTP_KEY },
    corsOrigins: s.CORS_ORIGINS,
    publicBaseUrl: s.PUBLIC_BASE_URL ?? "http://127.0.0.1:8787",
    backupRetentionDays: s.BACKUP_RETENTION_DAYS,
    idempotencyRetentionHours: s.IDEMPOTENCY_RETENTION_HOURS,
    auditRetentionMonths: s.AUDIT_RETENTION_MONTHS,
    webhooks: {
      secretGraceHours: s.WEBHOOK_SECRET_GRACE_HOURS,
      disableAfterHours: s.WEBHOOK_DISABLE_AFTER_HOURS,
      allowLoopback: s.WEBHOOK_ALLOW_LOOPBACK,
    },
    logLevel: s.LOG_LEVEL,
    debug: s.DEBUG,
  };
}

/** Parses raw settings; throws a ConfigError listing every bad one by name. */
export function parseConfig(raw: RawSettings): AppConfig {
  const result = SettingsSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "config");
        const value = raw[name];
        const shown =
          name.endsWith("SECRET") || name.endsWith("KEY") || name.endsWith("TOKEN") || value === undefined
            ? ""
            : ` (got ${JSON.stringify(value)})`;
        return `${name} ${issue.message}${shown}`;
      }),
    );
  }
  const config = assemble(result.data);
  const problems: string[] = [];
  if (config.email.transport === "http" && !config.email.httpUrl) {
    problems.push('EMAIL_HTTP_URL is required when EMAIL_TRANSPORT is "http"');
  }
  // An access token lives only while its sign-in's refresh tokens do (housekeeping
  // deletes expired ones, which ends the sign-in): a longer access lifetime would lie.
  if (config.auth.accessTtlSeconds > config.auth.refreshTtlSeconds) {
    problems.push("ACCESS_TOKEN_TTL_SECONDS must not exceed REFRESH_TOKEN_TTL_SECONDS");
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

// One parse per env object: the env of a Worker lives as long as its isolate,
// so this is one parse per isolate (tests that build their own env get theirs).
const parsed = new WeakMap<object, AppConfig>();

/** The validated configuration of this env, parsed on first use. */
export function appConfig(env: object): AppConfig {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env as RawSettings);
    parsed.set(env, config);
  }
  return config;
}

export const authConfig = (env: object): AuthConfig => appConfig(env).auth;
export const loginThrottleConfig = (env: object): LoginThrottleConfig => appConfig(env).loginThrottle;
export const documentsConfig = (env: object): DocumentsConfig => appConfig(env).documents;
export const corsOrigins = (env: object): string[] => appConfig(env).corsOrigins;
