/** Worker entry: the HTTP app and the Durable Object classes. Queue and cron handlers join as their features land. */
import { createApp } from "./app";
import type { Bindings } from "./env";

export { ProductStock } from "./stock/product-stock";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
