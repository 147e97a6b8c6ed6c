/** Worker entry: the HTTP app, the email queue consumers, the cron jobs and the Durable Object class. */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { runBackup } from "./jobs/backup";
import { CRON_BACKUP } from "./jobs/crons";
import { runDailyReport } from "./jobs/daily-report";
import { emailDeps, handleDeadLetters, handleEmailBatch } from "./jobs/email-consumer";
import { log } from "./lib/log";

export { ProductStock } from "./stock/product-stock";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    if (batch.queue.endsWith("-dlq")) await handleDeadLetters(batch, env);
    else await handleEmailBatch(batch, emailDeps(env));
  },

  async scheduled(controller, env, ctx) {
    const job =
      controller.cron === CRON_BACKUP
        ? runBackup(env, new Date(controller.scheduledTime))
        : runDailyReport(env, controller.scheduledTime);
    ctx.waitUntil(
      job.then(
        (result) => log(env, "info", "cron job done", { cron: controller.cron, ...result, manifest: undefined }),
        (error: unknown) => {
          log(env, "error", "cron job failed", { cron: controller.cron, error: String(error) });
          throw error;
        },
      ),
    );
  },
} satisfies ExportedHandler<Bindings>;
