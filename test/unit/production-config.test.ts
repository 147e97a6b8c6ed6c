import { describe, it } from "vitest";
import { PLACEHOLDER_DATABASE_ID, parseDotenv, productionConfigProblems } from "../../src/lib/production-config";

const devSecrets = parseDotenv(`# local
JWT_SECRET="local-development-secret-change-me-0123456789abcdef"
FILE_SIGNING_SECRET='local-file-links-secret-change-me-0123456789'
`);

const good = {
  vars: { PUBLIC_BASE_URL: "https://pos.example.com", CORS_ORIGINS: "https://till.example.com" },
  secretNames: ["JWT_SECRET", "FILE_SIGNING_SECRET"],
  secretValues: { JWT_SECRET: "p".repeat(48), FILE_SIGNING_SECRET: "q".repeat(48) },
  devSecrets,
  databaseIds: ["7c1f0b7e-2d1e-4c55-9a3e-0d2b6f0e9a11"],
};

describe("production config check (npm run deploy)", () => {
  it("reads .dev.vars lines with either quote", ({ expect }) => {
    expect(devSecrets).toEqual({
      JWT_SECRET: "local-development-secret-change-me-0123456789abcdef",
      FILE_SIGNING_SECRET: "local-file-links-secret-change-me-0123456789",
    });
  });

  it("passes a production setup", ({ expect }) => {
    expect(productionConfigProblems(good)).toEqual([]);
  });

  it("refuses dev secrets, local URLs, missing secrets, bad settings and the placeholder database", ({ expect }) => {
    const problems = productionConfigProblems({
      vars: {
        PUBLIC_BASE_URL: "http://127.0.0.1:8787",
        CORS_ORIGINS: "https://till.example.com,http://localhost:5173",
        LOGIN_LOCKOUT_SECONDS: "ten",
        EMAIL_TRANSPORT: "http",
        EMAIL_HTTP_URL: "https://mail.example.com/send",
      },
      secretNames: ["JWT_SECRET"],
      secretValues: { JWT_SECRET: devSecrets.JWT_SECRET ?? "" },
      devSecrets,
      databaseIds: [PLACEHOLDER_DATABASE_ID],
    });
    expect(problems).toEqual([
      "secret FILE_SIGNING_SECRET is not set (wrangler secret put FILE_SIGNING_SECRET)",
      "secret EMAIL_HTTP_KEY is not set (wrangler secret put EMAIL_HTTP_KEY)",
      'LOGIN_LOCKOUT_SECONDS must be a positive whole number (got "ten")',
      "secret JWT_SECRET is a development value from .dev.vars.example; generate a new one",
      'PUBLIC_BASE_URL must be the API\'s public https address (got "http://127.0.0.1:8787")',
      "CORS_ORIGINS lists local origins: http://localhost:5173",
      "wrangler.toml still has the placeholder database_id (wrangler d1 create pos-db prints the real one)",
    ]);
  });

  it("refuses plain http and one secret used twice", ({ expect }) => {
    const problems = productionConfigProblems({
      ...good,
      vars: { ...good.vars, PUBLIC_BASE_URL: "http://pos.example.com" },
      secretValues: { JWT_SECRET: "s".repeat(40), FILE_SIGNING_SECRET: "s".repeat(40) },
    });
    expect(problems).toEqual([
      "JWT_SECRET and FILE_SIGNING_SECRET must differ",
      'PUBLIC_BASE_URL must use https (got "http://pos.example.com")',
    ]);
  });
});
