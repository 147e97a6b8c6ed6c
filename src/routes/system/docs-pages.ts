/**
 * HTML shells for Swagger UI (/docs) and ReDoc (/redoc). Their scripts and
 * styles are Workers Static Assets under /docs-assets/ (see
 * scripts/build-docs-assets.mjs), so the pages work offline and the Worker
 * bundle stays small.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { appConfig } from "../../lib/config";

// Swagger UI and ReDoc inject inline styles; ReDoc runs its search in a blob worker.
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'";

const swaggerPage = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} — Swagger UI</title>
  <link rel="stylesheet" href="/docs-assets/swagger-ui/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs-assets/swagger-ui/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs-assets/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/docs-assets/swagger-ui/swagger-ui-standalone-preset.js"></script>
  <script src="/docs-assets/swagger-ui/swagger-initializer.js"></script>
</body>
</html>`;

const redocPage = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} — ReDoc</title>
  <link rel="icon" type="image/png" href="/favicon.ico">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/docs-assets/redoc/redoc.standalone.js"></script>
</body>
</html>`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export const docsPages = new Hono<AppEnv>({ strict: false });

docsPages.get("/docs", (c) => {
  c.header("Content-Security-Policy", DOCS_CSP);
  return c.html(swaggerPage(escapeHtml(appConfig(c.env).appName)));
});

docsPages.get("/redoc", (c) => {
  c.header("Content-Security-Policy", DOCS_CSP);
  return c.html(redocPage(escapeHtml(appConfig(c.env).appName)));
});
