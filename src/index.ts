/** Worker entry: the HTTP app, the email and store-event queue consumers, the cron jobs and the Durable Object class. */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { CRON_JOBS } from "./jobs/crons";
import { emailDeps, handleDeadLetters, handleEmailBatch } from "./jobs/email-consumer";
import { appConfig } from "./lib/config";
import { guardDurableObject, guardWorker } from "./lib/d1-guard";
import { log } from "./lib/log";
import { withSimulatedLatency } from "./lib/simulated-latency";
import { EVENTS_DEAD_LETTER_QUEUE, EVENTS_QUEUE, handleDeadStoreEvents, handleStoreEvents } from "./outbox/apply";
import { ProductStock as ProductStockObject } from "./stock/product-stock";
import { handleDeadWebhooks, handleWebhookBatch, WEBHOOKS_DEAD_LETTER_QUEUE, WEBHOOKS_QUEUE } from "./webhooks/deliver";

/** Each call into a stock object counts as one invocation for the D1 limits guard (when it is on). */
export const ProductStock = guardDurableObject(ProductStockObject);
export type ProductStock = ProductStockObject;

const app = createApp();

// With D1_ENFORCE_PRODUCTION_LIMITS = "true", each call runs as one invocation on guarded D1 bindings.
export default guardWorker({
  // SIMULATED_RTT_MS (the bench's --rtt) delays every D1 and stock-object call; unset, env is passed as is.
  fetch: (request, env, ctx) => app.fetch(request, withSimulatedLatency(env), ctx),

  async queue(batch, env) {
    appConfig(env); // a malformed setting fails here, by name, before any message is touched
    if (batch.queue === EVENTS_QUEUE) await handleStoreEvents(batch, env);
    else if (batch.queue === EVENTS_DEAD_LETTER_QUEUE) await handleDeadStoreEvents(batch, env);
    else if (batch.queue === WEBHOOKS_QUEUE) await handleWebhookBatch(batch, env);
    else if (batch.queue === WEBHOOKS_DEAD_LETTER_QUEUE) await handleDeadWebhooks(batch, env);
    else if (batch.queue.endsWith("-dlq")) await handleDeadLetters(batch, env);
    else await handleEmailBatch(batch, emailDeps(env));
  },

  async scheduled(controller, env, ctx) {
    appConfig(env);
    const run = CRON_JOBS[controller.cron];
    // An unknown schedule is a deployment mistake: say so rather than run some other job.
    const job = run
      ? run(env, controller.scheduledTime)
      : Promise.reject(new Error(`no job for cron "${controller.cron}"`));
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
} satisfies ExportedHandler<Bindings>);
