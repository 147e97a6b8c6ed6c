/** Worker entry: the HTTP app. Queue and cron handlers join as their features land. */
import { createApp } from "./app";
import type { Bindings } from "./env";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
