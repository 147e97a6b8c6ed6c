#!/usr/bin/env node
// Copies Swagger UI and ReDoc out of node_modules into ./static, which
// wrangler serves as Workers Static Assets (see [assets] in wrangler.toml).
// Runs as wrangler's [build] command (dev, deploy) and from vitest.config.ts,
// so the files are never committed, never bundled into the Worker script and
// never loaded from a CDN. Plain JS so it runs on any Node without a loader.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static");
const require = createRequire(import.meta.url);
const swaggerDir = dirname(require.resolve("swagger-ui-dist/package.json"));
const redocDir = dirname(require.resolve("redoc/package.json"));

const copies = [
  [join(swaggerDir, "swagger-ui.css"), "docs-assets/swagger-ui/swagger-ui.css"],
  [join(swaggerDir, "swagger-ui-bundle.js"), "docs-assets/swagger-ui/swagger-ui-bundle.js"],
  [join(swaggerDir, "swagger-ui-standalone-preset.js"), "docs-assets/swagger-ui/swagger-ui-standalone-preset.js"],
  [join(swaggerDir, "favicon-32x32.png"), "docs-assets/swagger-ui/favicon-32x32.png"],
  [join(swaggerDir, "oauth2-redirect.html"), "docs-assets/swagger-ui/oauth2-redirect.html"],
  [join(swaggerDir, "oauth2-redirect.js"), "docs-assets/swagger-ui/oauth2-redirect.js"],
  [join(redocDir, "bundles", "redoc.standalone.js"), "docs-assets/redoc/redoc.standalone.js"],
  // Browsers ask every origin for /favicon.ico (the PDF viewer of an invoice
  // link too); a PNG inside is fine for all of them, and saves a 404 per visit.
  [join(swaggerDir, "favicon-32x32.png"), "favicon.ico"],
];

for (const [from, to] of copies) {
  const target = join(out, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(from, target);
}

// ReDoc's "API docs by Redocly" footer loads its logo from a CDN, which the
// docs pages' CSP (img-src 'self' data:) blocks with a console error, and which
// an offline shop network cannot reach: point it at an empty inline SVG.
const redocBundle = join(out, "docs-assets/redoc/redoc.standalone.js");
const redocLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const redocSource = readFileSync(redocBundle, "utf8");
if (!redocSource.includes(redocLogo)) throw new Error("ReDoc no longer loads its logo from the CDN; revisit this step");
writeFileSync(
  redocBundle,
  redocSource.replaceAll(redocLogo, "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"),
);

// Swagger UI's own initializer points at the petstore; ours points at this API
// and remembers the token across reloads.
writeFileSync(
  join(out, "docs-assets/swagger-ui/swagger-initializer.js"),
  `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    oauth2RedirectUrl: window.location.origin + "/docs-assets/swagger-ui/oauth2-redirect.html",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
};
`,
);

// Static assets bypass the Worker, so their headers come from this file.
writeFileSync(
  join(out, "_headers"),
  `/docs-assets/*
  X-Content-Type-Options: nosniff
  Cache-Control: public, max-age=86400
  Referrer-Policy: no-referrer
`,
);

console.log(`docs assets copied to ${out}`);
