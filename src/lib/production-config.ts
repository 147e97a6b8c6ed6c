/**
 * What `npm run deploy` checks before anything is uploaded: the production
 * settings parse (the same parser the Worker runs), no secret is missing or
 * still the value from .dev.vars.example, and no link or CORS origin points
 * at this laptop. Pure, so the deploy script and the tests share it.
 */
import { ConfigError, parseConfig, type RawSettings } from "./config";

/** Secrets the Worker cannot run without; EMAIL_HTTP_KEY joins them for the http transport. */
export const REQUIRED_SECRETS = ["JWT_SECRET", "FILE_SIGNING_SECRET"] as const;

/** The placeholder database id wrangler.toml ships with. */
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-4000-8000-000000000000";

export interface ProductionConfigInput {
  /** `[vars]` as deployed. */
  vars: Record<string, string>;
  /** Names of the secrets set on the Worker (wrangler secret list, or the file about to be uploaded). */
  secretNames: string[];
  /** Secret values, when the deploy uploads them from a file and so can check them. */
  secretValues?: Record<string, string>;
  /** Values from .dev.vars.example: never acceptable in production. */
  devSecrets: Record<string, string>;
  /** The D1 database_id values of wrangler.toml. */
  databaseIds: string[];
}

const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

const isLocalUrl = (value: string) => {
  try {
    return LOCAL_HOSTS.test(new URL(value).hostname);
  } catch {
    return false;
  }
};

/** Every reason the deployment must not go ahead; empty when it may. */
export function productionConfigProblems(input: ProductionConfigInput): string[] {
  const problems: string[] = [];
  const names = new Set(input.secretNames);
  const required: string[] = [...REQUIRED_SECRETS];
  if (input.vars.EMAIL_TRANSPORT === "http") required.push("EMAIL_HTTP_KEY");
  for (const name of required) {
    if (!names.has(name)) problems.push(`secret ${name} is not set (wrangler secret put ${name})`);
  }

  // Parse with the real values when known, else with stand-ins for the set secrets.
  const raw: RawSettings = { ...input.vars };
  for (const name of names) raw[name] = input.secretValues?.[name] ?? "x".repeat(64);
  try {
    parseConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A missing secret is reported above already, by its own line.
    problems.push(...error.problems.filter((p) => !required.some((name) => p.startsWith(`${name} is missing`))));
  }

  for (const [name, value] of Object.entries(input.secretValues ?? {})) {
    // Short dev values ("true", "1") are switches, not secrets a deploy could leak.
    const devValues = Object.values(input.devSecrets).filter((dev) => dev.length >= 16);
    if (value && devValues.includes(value)) {
      problems.push(`secret ${name} is a development value from .dev.vars.example; generate a new one`);
    }
  }
  const jwt = input.secretValues?.JWT_SECRET;
  if (jwt && jwt === input.secretValues?.FILE_SIGNING_SECRET) {
    problems.push("JWT_SECRET and FILE_SIGNING_SECRET must differ");
  }

  const base = input.vars.PUBLIC_BASE_URL ?? "";
  if (!base || isLocalUrl(base)) {
    problems.push(`PUBLIC_BASE_URL must be the API's public https address (got ${JSON.stringify(base)})`);
  } else if (!base.startsWith("https://")) {
    problems.push(`PUBLIC_BASE_URL must use https (got ${JSON.stringify(base)})`);
  }
  const localOrigins = (input.vars.CORS_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin && isLocalUrl(origin));
  if (localOrigins.length) problems.push(`CORS_ORIGINS lists local origins: ${localOrigins.join(", ")}`);

  if (input.databaseIds.includes(PLACEHOLDER_DATABASE_ID)) {
    problems.push(
      "wrangler.toml still has the placeholder database_id (wrangler d1 create pos-db prints the real one)",
    );
  }
  return problems;
}

/** Parses KEY="value" / KEY=value lines (the .dev.vars format); comments and blanks are skipped. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? "";
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    values[match[1]] = value;
  }
  return values;
}
