import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { hasValidCheckDigit } from "../../src/domain/barcode";
import { invoiceLink } from "../../src/services/order-documents";
import { accounts } from "../helpers/accounts";
import { BASE, call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { pdfText } from "../helpers/pdf-text";
import { atStore, storeScope } from "../helpers/stores";

interface Link {
  url: string;
  expires_at: string;
  key: string;
  rendered: boolean;
}

const fetchLink = (url: string, headers: Record<string, string> = {}) =>
  call("GET", url.replace(BASE, ""), { headers });

async function paidOrder(lines: number) {
  const { admin, cashier } = await accounts();
  const items = [];
  for (let i = 0; i < lines; i++) {
    const product = await createProduct(admin.token, {
      name: `Invoice item ${i + 1} with a long descriptive name`,
      price: 1 + i,
      stock_quantity: 10,
    });
    items.push({ product_id: product.id, quantity: 1 + (i % 3) });
  }
  const order = await expectJson<{ id: number; order_number: string; total: number }>(
    call("POST", "/api/v1/orders", { token: cashier.token, body: { order_items: items, tax: 2.5 } }),
    201,
  );
  const payment = await expectJson<{ id: number }>(
    call("POST", "/api/v1/payments", {
      token: cashier.token,
      body: { order_id: order.id, payment_method: "credit_card", amount: order.total },
    }),
    201,
  );
  return { order, payment };
}

describe("invoices", () => {
  it("renders a PDF holding the order number, every line and the total, once per order state", async ({ expect }) => {
    const { manager } = await accounts();
    const { order, payment } = await paidOrder(30);
    const first = await expectJson<Link>(
      call("GET", `/api/v1/orders/${order.id}/invoice`, { token: manager.token }),
      200,
    );
    expect(first.rendered).toBe(true);
    expect(first.key).toMatch(new RegExp(`^invoices/${order.order_number}/[0-9a-f]{16}\\.pdf$`));

    const file = await fetchLink(first.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/pdf");
    expect(file.headers.get("Content-Disposition")).toContain(`${order.order_number}.pdf`);
    expect(file.headers.get("ETag")).toBeTruthy();
    expect(file.headers.get("Cache-Control")).toMatch(/^private, max-age=\d+$/);
    const { pages, text } = await pdfText(await file.arrayBuffer());
    expect(pages).toBeGreaterThan(1);
    const all = text.join("\n");
    expect(all).toContain(order.order_number);
    for (let i = 1; i <= 30; i++) expect(all).toContain(`Invoice item ${i} with`);
    expect(all).toContain(`$${order.total.toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
    expect(all).toContain("Balance due");

    const again = await expectJson<Link>(
      call("GET", `/api/v1/orders/${order.id}/invoice`, { token: manager.token }),
      200,
    );
    expect(again).toMatchObject({ key: first.key, rendered: false });

    await expectJson(
      call("POST", `/api/v1/payments/${payment.id}/refund`, {
        token: manager.token,
        body: { amount: 1, reason: "dent" },
      }),
      201,
    );
    const afterRefund = await expectJson<Link>(
      call("GET", `/api/v1/orders/${order.id}/invoice`, { token: manager.token }),
      200,
    );
    expect(afterRefund.key).not.toBe(first.key);
    expect(afterRefund.rendered).toBe(true);
    const refunded = await pdfText(await (await fetchLink(afterRefund.url)).arrayBuffer());
    expect(refunded.text.join("\n")).toContain("refund");
    expect(await env.FILES.head(first.key)).not.toBeNull();

    // Anything else printed changes the document too, e.g. the store's currency (its row, not config).
    const actor = { id: manager.id, username: manager.username, role: "manager" as const };
    const shopIn = async (currency: string) => testContext({ store: { ...(await storeScope(1)), currency } });
    const usd = await invoiceLink(await shopIn("USD"), actor, order.id, { origin: BASE });
    const eur = await invoiceLink(await shopIn("EUR"), actor, order.id, { origin: BASE });
    expect(usd.key).toBe(afterRefund.key);
    expect(eur).toMatchObject({ rendered: true });
    expect(eur.key).not.toBe(usd.key);
  });

  it("answers 403 to every kind of tampering and to an expired link, and needs no token", async ({ expect }) => {
    const { manager } = await accounts();
    const { order } = await paidOrder(1);
    const link = await expectJson<Link>(
      call("GET", `/api/v1/orders/${order.id}/invoice`, { token: manager.token }),
      200,
    );
    const url = new URL(link.url);
    const expires = url.searchParams.get("expires") ?? "";
    const sig = url.searchParams.get("sig") ?? "";
    expect((await fetchLink(link.url)).status).toBe(200);
    const variants = {
      otherKey: `${url.origin}${url.pathname.replace(".pdf", "x.pdf")}?expires=${expires}&sig=${sig}`,
      laterExpiry: `${url.origin}${url.pathname}?expires=${Number(expires) + 3600}&sig=${sig}`,
      flippedSig: `${url.origin}${url.pathname}?expires=${expires}&sig=${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`,
      changedSig: `${url.origin}${url.pathname}?expires=${expires}&sig=${sig.slice(0, 10)}${sig[10] === "x" ? "y" : "x"}${sig.slice(11)}`,

      noSig: `${url.origin}${url.pathname}?expires=${expires}`,
      garbage: `${url.origin}${url.pathname}?expires=abc&sig=%00`,
      brokenEscape: `${url.origin}${url.pathname.replace(".pdf", "%E0.pdf")}?expires=${expires}&sig=${sig}`,
    };
    for (const [name, bad] of Object.entries(variants)) {
      const res = await fetchLink(bad);
      expect(res.status, name).toBe(403);
      expect(await res.json()).toMatchObject({ code: "LINK_INVALID" });
    }
    // An expired link, signed correctly.
    const { signLink } = await import("../../src/lib/signed-links");
    const past = Math.floor(Date.now() / 1000) - 10;
    const expiredSig = await signLink(env.FILE_SIGNING_SECRET, link.key, past);
    expect((await fetchLink(`${url.origin}${url.pathname}?expires=${past}&sig=${expiredSig}`)).status).toBe(403);
    // Conditional requests get a 304.
    const etag = (await fetchLink(link.url)).headers.get("ETag") ?? "";
    expect((await fetchLink(link.url, { "If-None-Match": etag })).status).toBe(304);
  });

  it("serves only invoices/ and reports/daily/: a validly signed backups/ key is a 404", async ({ expect }) => {
    const { signLink, signedLink, filePath } = await import("../../src/lib/signed-links");
    const secret = env.FILE_SIGNING_SECRET;
    const expires = Math.floor(Date.now() / 1000) + 600;
    const signedPath = async (key: string) =>
      `${filePath(key)}?expires=${expires}&sig=${await signLink(secret, key, expires)}`;
    const secrets = {
      "backups/20260101T023000Z/users.ndjson.gz": "password_hash argon2id",
      "backups/20260101T023000Z/manifest.json": "{}",
      "outbox/receipt-1.json": "{}",
      "barcodes/code128/X.svg": "<svg/>",
      "reports/daily-other/2026-01-01.json": "{}",
    };
    for (const [key, body] of Object.entries(secrets)) {
      await env.FILES.put(key, body);
      const res = await call("GET", await signedPath(key));
      expect(res.status, key).toBe(404);
      expect(await res.text(), key).not.toContain(body);
    }
    // The other prefix links are made for still works, under the same kind of signature.
    await env.FILES.put("reports/daily/2026-01-01.json", '{"date":"2026-01-01"}');
    const report = await call("GET", await signedPath("reports/daily/2026-01-01.json"));
    expect(report.status).toBe(200);
    expect(await report.json()).toEqual({ date: "2026-01-01" });
    // And no code path can make a link to anything else.
    await expect(signedLink(BASE, secret, "backups/20260101T023000Z/users.ndjson.gz", 60)).rejects.toThrow(
      /no signed links/,
    );
  });

  it("keeps invoices and receipts to the roles and orders they belong to", async ({ expect }) => {
    const { inventory_officer: officer, admin } = await accounts();
    const { order } = await paidOrder(2);
    expect((await call("GET", `/api/v1/orders/${order.id}/invoice`, { token: officer.token })).status).toBe(403);
    expect((await call("GET", `/api/v1/orders/${order.id}/invoice`)).status).toBe(401);
    const other = await expectJson<{ id: number }>(
      call("POST", "/api/v1/users", {
        token: admin.token,
        body: { username: "othertill", email: "ot@example.com", password: "other-pass-1" },
      }),
      201,
    );
    const login = await expectJson<{ access_token: string }>(
      call("POST", "/api/v1/auth/login", { body: { username: "othertill", password: "other-pass-1" } }),
      200,
    );
    expect(other.id).toBeGreaterThan(0);
    expect((await call("GET", `/api/v1/orders/${order.id}/receipt`, { token: login.access_token })).status).toBe(404);
  });

  it("prints a 42-column receipt", async ({ expect }) => {
    const { cashier } = await accounts();
    const { order } = await paidOrder(3);
    const res = await call("GET", `/api/v1/orders/${order.id}/receipt`, { token: cashier.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/plain");
    const text = await res.text();
    const lines = text.split("\n");
    expect(lines.every((line) => line.length <= 42)).toBe(true);
    expect(text).toContain(order.order_number);
    expect(text).toMatch(/TOTAL\s+\d+\.\d{2}/);
    expect(text).toContain("CREDIT CARD");
  });
});

describe("barcodes and labels", () => {
  it("renders SVG with the encoded digits and PNG, caching both in R2", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { barcode: "4006381333931" });
    const svg = await call("GET", `/api/v1/products/${product.id}/barcode`, { token: cashier.token });
    expect(svg.status).toBe(200);
    expect(svg.headers.get("Content-Type")).toBe("image/svg+xml");
    const body = await svg.text();
    expect(body).toMatch(/^<svg/);
    // bwip-js draws the human-readable digits as glyph paths; the bars as strokes.
    expect(body).toContain("<path");
    expect(await env.FILES.head("barcodes/ean13/4006381333931.svg")).not.toBeNull();

    const png = await call("GET", `/api/v1/products/${product.id}/barcode?format=png`, { token: cashier.token });
    expect(png.headers.get("Content-Type")).toBe("image/png");
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(bytes.length).toBeGreaterThan(200);

    const code128 = await call("GET", `/api/v1/products/${product.id}/barcode?symbology=code128`, {
      token: cashier.token,
    });
    expect(code128.status).toBe(200);
    const noEan = await createProduct(admin.token, { barcode: "1234567890" });
    expect(
      (await call("GET", `/api/v1/products/${noEan.id}/barcode?symbology=ean13`, { token: cashier.token })).status,
    ).toBe(422);
    expect(
      (await call("GET", `/api/v1/products/${noEan.id}/barcode?format=gif`, { token: cashier.token })).status,
    ).toBe(422);
  });

  it("encodes the EAN-13 digits in the SVG bars (decoded back here)", async ({ expect }) => {
    const { barcodeModel } = await import("../../src/documents/barcode-model");
    const model = barcodeModel("ean13", "4006381333931");
    expect(model.text.map((t) => t.value).join("")).toBe("4006381333931");
    // EAN-13 has 30 bars (3 guard pairs and 2 bars per digit for 12 digits).
    expect(model.bars).toHaveLength(30);
  });

  it("assigns unique, valid in-store EAN-13s only to products without a barcode", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const product = await createProduct(admin.token);
      const assigned = await expectJson<{ barcode: string }>(
        call("POST", `/api/v1/products/${product.id}/barcode`, { token: admin.token }),
        200,
      );
      expect(assigned.barcode).toMatch(/^2[0-9]\d{11}$/);
      expect(hasValidCheckDigit(assigned.barcode)).toBe(true);
      codes.add(assigned.barcode);
      expect((await call("POST", `/api/v1/products/${product.id}/barcode`, { token: admin.token })).status).toBe(409);
    }
    expect(codes.size).toBe(5);
    const product = await createProduct(admin.token);
    expect((await call("POST", `/api/v1/products/${product.id}/barcode`, { token: cashier.token })).status).toBe(403);
  });

  it("prints one label per product on A4 pages", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const ids: number[] = [];
    for (let i = 0; i < 26; i++)
      ids.push((await createProduct(admin.token, { name: `Label product ${i}`, price: 2 + i })).id);
    const res = await call("GET", `/api/v1/products/labels.pdf?ids=${ids.join(",")}`, { token: cashier.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    const { pages, text } = await pdfText(await res.arrayBuffer());
    expect(pages).toBe(2);
    const all = text.join("\n");
    for (let i = 0; i < 26; i++) expect(all.match(new RegExp(`Label product ${i}\\b`, "g"))).toHaveLength(1);
    expect((await call("GET", "/api/v1/products/labels.pdf?ids=1,x", { token: cashier.token })).status).toBe(422);
    expect((await call("GET", "/api/v1/products/labels.pdf?ids=999999", { token: cashier.token })).status).toBe(404);
  });

  it("prints a store's labels at that store's price and in its currency", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { name: "Store priced", price: 3 });
    await expectJson(
      call("PUT", `/api/v1/products/${product.id}/store-price`, {
        token: admin.token,
        headers: atStore(2),
        body: { price: 4.5 },
      }),
      200,
    );
    const sheet = async (storeId: number) => {
      const res = await call("GET", `/api/v1/products/labels.pdf?ids=${product.id}`, {
        token: admin.token,
        headers: atStore(storeId),
      });
      expect(res.status).toBe(200);
      return (await pdfText(await res.arrayBuffer())).text.join("\n");
    };
    const main = await sheet(1);
    expect(main).toContain("$3.00");
    const east = await sheet(2); // EAST sells in EUR
    expect(east).toContain("4.50");
    expect(east).not.toContain("$");
  });
});
