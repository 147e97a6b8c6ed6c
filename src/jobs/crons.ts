/** Cron expressions of wrangler.toml [triggers] and what each runs (kept out of the entry module: it may only export handlers). */
export const CRON_DAILY_REPORT = "0 5 * * *";
export const CRON_BACKUP = "30 2 * * *";
