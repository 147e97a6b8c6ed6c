/**
 * Builds the Hono app: cross-cutting middleware, the routers of each area,
 * the OpenAPI document and its two viewers, and the error model.
 */
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import { appConfig } from "./lib/config";
import { ApiError } from "./lib/errors";
import { createRouter } from "./lib/http/create-router";
import { onError, renderError } from "./lib/http/error-handler";
import { limitJsonDepth } from "./lib/http/json-depth";
import { attachServices, corsFromConfig, limitBody, loadConfig, requestLog } from "./lib/http/middleware";
import { adminRouter } from "./routes/admin/admin.index";
import { auditEventsRouter, historyRouters } from "./routes/audit/audit.index";
import { authRouter } from "./routes/auth/auth.index";
import { cashDrawersRouter } from "./routes/cash-drawers/cash-drawers.index";
import { categoriesRouter } from "./routes/categories/categories.index";
import { customersRouter } from "./routes/customers/customers.index";
import { eventsRouter } from "./routes/events/events.index";
import { filesRouter } from "./routes/files/files";
import { registerFilesDoc } from "./routes/files/files.openapi";
import { inventoryRouter } from "./routes/inventory/inventory.index";
import { ordersRouter } from "./routes/orders/orders.index";
import { paymentsRouter } from "./routes/payments/payments.index";
import { productsRouter } from "./routes/products/products.index";
import { reportsRouter } from "./routes/reports/reports.index";
import { shiftReportsRouter } from "./routes/shift-reports/shift-reports.index";
import { shiftsRouter } from "./routes/shifts/shifts.index";
import { storesRouter } from "./routes/stores/stores.index";
import { docsPages } from "./routes/system/docs-pages";
import { systemRouter } from "./routes/system/system.index";
import { transfersRouter } from "./routes/transfers/transfers.index";
import { usersRouter } from "./routes/users/users.index";
import { webhookDeliveriesRouter } from "./routes/webhooks/webhook-deliveries.index";
import { webhookEndpointsRouter } from "./routes/webhooks/webhook-endpoints.index";

export const API_PREFIX = "/api/v1";

export function createApp() {
  const app = createRouter();

  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(loadConfig());
  // Server-Timing (phase durations) only when the DEBUG var is "true".
  app.use(timing({ enabled: (c) => appConfig(c.env).debug, autoEnd: true, totalDescription: "Total" }));
  app.use(requestLog());
  // JSON answers get a locked-down CSP; the docs pages set their own (overwrite: false).
  app.use(
    secureHeaders({
      overwrite: false,
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      crossOriginResourcePolicy: "same-site",
    }),
  );
  app.use(corsFromConfig());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        c.header("Allow", methods.join(", "));
        return renderError(
          c,
          new ApiError("METHOD_NOT_ALLOWED", `Method ${c.req.method} not allowed; use ${methods.join(", ")}`),
        );
      },
    }),
  );
  app.use(limitBody());
  app.use(limitJsonDepth());

  app.use(attachServices());

  app.route("/", systemRouter);
  app.route("/", docsPages);
  app.route("/", filesRouter);
  registerFilesDoc(app);

  // Mounted as plain routers: the typed RPC schema of every area combined is
  // more than TypeScript can represent, and nothing here needs it.
  const areas: [string, ReturnType<typeof createRouter>][] = [
    ["auth", authRouter as never],
    ["users", usersRouter as never],
    ["stores", storesRouter as never],
    ["categories", categoriesRouter as never],
    ["products", productsRouter as never],
    ["customers", customersRouter as never],
    ["orders", ordersRouter as never],
    ["inventory", inventoryRouter as never],
    ["transfers", transfersRouter as never],
    ["payments", paymentsRouter as never],
    ["cash-drawers", cashDrawersRouter as never],
    ["shifts", shiftsRouter as never],
    // X- and Z-reports of a shift: /shifts/{id}/x-report, /z-report, … (a router of their own, same prefix).
    ["shifts", shiftReportsRouter as never],
    ["reports", reportsRouter as never],
    ["admin", adminRouter as never],
    ["events", eventsRouter as never],
    ["audit-events", auditEventsRouter as never],
    ["webhook-endpoints", webhookEndpointsRouter as never],
    ["webhook-deliveries", webhookDeliveriesRouter as never],
    // GET /products/{id}/history, /users/{id}/history, …: the audit trail's, beside each area's own router.
    ...historyRouters.map(([area, router]): [string, ReturnType<typeof createRouter>] => [area, router as never]),
  ];
  for (const [area, router] of areas) app.route(`${API_PREFIX}/${area}`, router);

  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from POST /api/v1/auth/login",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "OAuth2Password", {
    type: "oauth2",
    flows: { password: { tokenUrl: `${API_PREFIX}/auth/login`, scopes: {} } },
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: appConfig(c.env).appName,
      version: appConfig(c.env).appVersion,
      description:
        "Point-of-sale API on Cloudflare Workers. Money is decimal with at most two places; errors are `{detail, code, request_id}`.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));

  app.notFound((c) => renderError(c, new ApiError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
