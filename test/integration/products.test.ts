import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct, type ProductOut, stockRow } from "../helpers/catalog";
import { atStore, storeDb } from "../helpers/stores";

interface Page {
  total: number;
  skip: number;
  limit: number;
  data: ProductOut[];
}

const SAMPLE = {
  sku: "PROD001",
  name: "Laptop",
  description: "High-performance laptop",
  barcode: "1234567890",
  price: 999.99,
  cost_price: 600.0,
  stock_quantity: 50,
  min_stock_level: 5,
  category_id: 1,
};

const dbRow = (id: number) => env.DB.prepare("SELECT * FROM products WHERE id = ?").bind(id).first();

describe("products", () => {
  it("creates the contract's sample body verbatim and logs its opening stock", async ({ expect }) => {
    const { admin } = await accounts();
    const category = await createCategory(admin.token, "Computers");
    expect(category.id).toBe(1);
    const product = await expectJson<ProductOut>(
      call("POST", "/api/v1/products", { token: admin.token, body: SAMPLE }),
      201,
    );
    expect(product).toMatchObject({
      sku: "PROD001",
      price: 999.99,
      cost_price: 600,
      stock_quantity: 50,
      min_stock_level: 5,
      barcode: "1234567890",
      category: { id: 1, name: "Computers" },
      version: 1,
      is_active: true,
    });
    expect(await dbRow(product.id)).toMatchObject({ price: 99999, cost_price: 60000, min_stock_level: 5 });
    // The stock is the creating store's (the caller's home store, MAIN): its row and its log.
    expect(await stockRow(product.id)).toEqual({ quantity: 50, min_stock_level: 5 });
    expect(await stockRow(product.id, 2)).toBeNull();
    const logs = await storeDb(1)
      .prepare(
        "SELECT action, quantity_change, quantity_before, quantity_after, user_id FROM inventory_logs WHERE product_id = ?",
      )
      .bind(product.id)
      .all();
    expect(logs.results).toEqual([
      { action: "stock_in", quantity_change: 50, quantity_before: 0, quantity_after: 50, user_id: admin.id },
    ]);
  });

  it("refuses a duplicate SKU or barcode with 409 naming the field, writing nothing", async ({ expect }) => {
    const { admin } = await accounts();
    await createProduct(admin.token, { sku: "DUP-1", barcode: "4006381333931" });
    const count = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM products").first<{ n: number }>())?.n;
    const before = await count();
    const sku = await call("POST", "/api/v1/products", {
      token: admin.token,
      body: { sku: "DUP-1", name: "x", price: 1 },
    });
    expect(sku.status).toBe(409);
    expect(await sku.json()).toMatchObject({ code: "DUPLICATE", field: "sku" });
    const barcode = await call("POST", "/api/v1/products", {
      token: admin.token,
      body: { sku: "DUP-2", name: "x", price: 1, barcode: "4006381333931", stock_quantity: 3 },
    });
    expect(barcode.status).toBe(409);
    expect(await barcode.json()).toMatchObject({ code: "DUPLICATE", field: "barcode" });
    expect(await count()).toBe(before);
    // The refused product never reached the store: no stock row and no log row for an id the catalog lacks.
    const known = (await env.DB.prepare("SELECT id FROM products").all<{ id: number }>()).results.map((r) => r.id);
    for (const table of ["stock_levels", "inventory_logs"]) {
      const orphans = await storeDb(1)
        .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE product_id NOT IN (SELECT value FROM json_each(?1))`)
        .bind(JSON.stringify(known))
        .first<{ n: number }>();
      expect(orphans?.n, table).toBe(0);
    }
  });

  it("validates money, barcodes and references", async ({ expect }) => {
    const { admin } = await accounts();
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await call("POST", "/api/v1/products", {
        token: admin.token,
        body: { sku: "V-1", name: "v", price: 1, ...body },
      });
      const json = await expectJson<{ detail: { loc: unknown[] }[] }>(res, 422);
      expect(
        json.detail.map((d) => d.loc.join(".")),
        JSON.stringify(body),
      ).toContain(`body.${field}`);
    };
    await bad({ price: 9.999 }, "price");
    await bad({ price: -1 }, "price");
    await bad({ price: "1e3" }, "price");
    await bad({ barcode: "4006381333932" }, "barcode");
    await bad({ barcode: "036000291453" }, "barcode");
    await bad({ stock_quantity: -1 }, "stock_quantity");
    await bad({ stock_quantity: 1.5 }, "stock_quantity");
    await bad({ category_id: 9999 }, "category_id");
    await bad({ image_url: "javascript:alert(1)" }, "image_url");
    const ok = await createProduct(admin.token, { price: "12.50", barcode: "036000291452" });
    expect(ok.price).toBe(12.5);
  });

  it("filters, sorts and paginates the list, embedding each category", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const drinks = await createCategory(admin.token, "Drinks");
    const snacks = await createCategory(admin.token, "Snacks");
    await createProduct(admin.token, { name: "Cola", price: 1.5, category_id: drinks.id });
    await createProduct(admin.token, { name: "Lemonade", price: 2.25, category_id: drinks.id });
    await createProduct(admin.token, { name: "Crisps", price: 0.99, category_id: snacks.id });
    const hidden = await createProduct(admin.token, { name: "Old Cola", price: 1.2, category_id: drinks.id });
    await expectJson(call("DELETE", `/api/v1/products/${hidden.id}`, { token: admin.token }), 200);

    const list = (query: string) =>
      expectJson<Page>(call("GET", `/api/v1/products?${query}`, { token: cashier.token }), 200);

    const inDrinks = await list(`category_id=${drinks.id}&sort=price`);
    expect(inDrinks.data.map((p) => p.name)).toEqual(["Cola", "Lemonade"]);
    expect(inDrinks.data[0]?.category).toEqual({ id: drinks.id, name: "Drinks" });

    const withInactive = await list(`category_id=${drinks.id}&is_active=all&sort=-price`);
    expect(withInactive.data.map((p) => p.name)).toEqual(["Lemonade", "Cola", "Old Cola"]);
    expect((await list(`category_id=${drinks.id}&is_active=false`)).data.map((p) => p.name)).toEqual(["Old Cola"]);

    const priced = await list("min_price=1&max_price=2&sort=name");
    expect(priced.data.map((p) => p.name)).toEqual(["Cola"]);
    expect((await list("search=cola")).data.map((p) => p.name)).toEqual(["Cola"]);

    const page = await list("skip=1&limit=2&sort=id");
    expect(page).toMatchObject({ skip: 1, limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.total).toBeGreaterThanOrEqual(4);

    for (const query of ["limit=0", "limit=1001", "min_price=1.001", "sort=password", "category_id=abc", "search="]) {
      expect((await call("GET", `/api/v1/products?${query}`, { token: cashier.token })).status, query).toBe(422);
    }
  });

  it("ranks search results and matches prefixes", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const laptop = await createProduct(admin.token, { name: "Laptop Pro 15", sku: "LAP-PRO-15" });
    const stand = await createProduct(admin.token, { name: "Desk stand", description: "Raises a laptop to eye level" });
    await createProduct(admin.token, { name: "Mouse", description: "Wireless" });
    const bag = await createProduct(admin.token, { name: "Laptop sleeve", barcode: "5901234123457" });

    const search = (q: string) =>
      expectJson<{ data: ProductOut[] }>(
        call("GET", `/api/v1/products/search?q=${encodeURIComponent(q)}`, { token: cashier.token }),
        200,
      );

    const lap = await search("lap");
    const ids = lap.data.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining([laptop.id, stand.id, bag.id]));
    // Name matches outrank a description mention.
    expect(ids.indexOf(stand.id)).toBeGreaterThan(ids.indexOf(laptop.id));
    expect(ids.indexOf(stand.id)).toBeGreaterThan(ids.indexOf(bag.id));

    expect((await search("LAP-PRO-15")).data[0]?.id).toBe(laptop.id);
    expect((await search("5901234123457")).data[0]?.id).toBe(bag.id);
    expect((await search("wireles")).data.map((p) => p.name)).toEqual(["Mouse"]);

    // The index follows renames.
    await expectJson(
      call("PUT", `/api/v1/products/${bag.id}`, { token: admin.token, body: { name: "Notebook sleeve" } }),
      200,
    );
    expect((await search("notebook")).data.map((p) => p.id)).toEqual([bag.id]);
    expect((await search("sleeve laptop")).data).toHaveLength(0);
  });

  it("answers 422, never 500, to empty, too long or unsearchable q", async ({ expect }) => {
    const { cashier } = await accounts();
    for (const q of ["", "   ", "x".repeat(101), "***", '"', "(", "%%%"]) {
      const res = await call("GET", `/api/v1/products/search?q=${encodeURIComponent(q)}`, { token: cashier.token });
      expect(res.status, JSON.stringify(q)).toBe(422);
    }
    expect((await call("GET", "/api/v1/products/search", { token: cashier.token })).status).toBe(422);
    // FTS operators in the text are searched for as words, not obeyed.
    for (const q of ["NEAR(", "a OR b", "name:laptop", "lap*", "-x"]) {
      const res = await call("GET", `/api/v1/products/search?q=${encodeURIComponent(q)}`, { token: cashier.token });
      expect(res.status, q).toBe(200);
    }
  });

  it("looks products up by barcode and lists low stock", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const scanned = await createProduct(admin.token, {
      barcode: "4006381333948",
      stock_quantity: 2,
      min_stock_level: 5,
    });
    const found = await expectJson<ProductOut>(
      call("GET", "/api/v1/products/barcode/4006381333948", { token: cashier.token }),
      200,
    );
    expect(found.id).toBe(scanned.id);
    expect((await call("GET", "/api/v1/products/barcode/0000000000000", { token: cashier.token })).status).toBe(404);

    const empty = await createProduct(admin.token, { stock_quantity: 0, min_stock_level: 1 });
    const inactiveLow = await createProduct(admin.token, { stock_quantity: 0, min_stock_level: 3 });
    await expectJson(call("DELETE", `/api/v1/products/${inactiveLow.id}`, { token: admin.token }), 200);
    await createProduct(admin.token, { stock_quantity: 50, min_stock_level: 5 });

    const low = await expectJson<Page>(call("GET", "/api/v1/products/low-stock", { token: cashier.token }), 200);
    const lowIds = low.data.map((p) => p.id);
    expect(lowIds).toEqual(expect.arrayContaining([scanned.id, empty.id]));
    expect(lowIds).not.toContain(inactiveLow.id);
    expect(low.data.every((p) => p.stock_quantity <= p.min_stock_level && p.is_active)).toBe(true);
  });

  it("guards updates with versions and refuses stock changes", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { name: "Versioned", price: 5 });
    const v2 = await expectJson<ProductOut>(
      call("PUT", `/api/v1/products/${product.id}`, { token: admin.token, body: { price: 6, version: 1 } }),
      200,
    );
    expect(v2).toMatchObject({ price: 6, version: 2 });

    const before = await dbRow(product.id);
    const stale = await call("PUT", `/api/v1/products/${product.id}`, {
      token: manager.token,
      body: { price: 7, version: 1 },
    });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: "VERSION_CONFLICT", current_version: 2 });
    const staleHeader = await call("PUT", `/api/v1/products/${product.id}`, {
      token: manager.token,
      body: { price: 7 },
      headers: { "If-Match": '"1"' },
    });
    expect(staleHeader.status).toBe(409);
    expect(await dbRow(product.id)).toEqual(before);

    const viaHeader = await expectJson<ProductOut>(
      call("PUT", `/api/v1/products/${product.id}`, {
        token: manager.token,
        body: { price: 7 },
        headers: { "If-Match": '"2"' },
      }),
      200,
    );
    expect(viaHeader.version).toBe(3);
    const noVersion = await expectJson<ProductOut>(
      call("PUT", `/api/v1/products/${product.id}`, { token: manager.token, body: { name: "Renamed" } }),
      200,
    );
    expect(noVersion).toMatchObject({ name: "Renamed", version: 4, price: 7 });

    const stock = await call("PUT", `/api/v1/products/${product.id}`, {
      token: admin.token,
      body: { stock_quantity: 999 },
    });
    const body = await expectJson<{ detail: { loc: unknown[]; msg: string }[] }>(stock, 422);
    expect(body.detail[0]).toMatchObject({
      loc: ["body", "stock_quantity"],
      msg: expect.stringContaining("/api/v1/inventory/"),
    });
    expect(await stockRow(product.id)).toEqual({ quantity: 10, min_stock_level: 0 });
    expect((await call("PUT", "/api/v1/products/999999", { token: admin.token, body: { name: "x" } })).status).toBe(
      404,
    );
  });

  it("deactivates on delete and hides the product from default lists and search", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { name: "Discontinued gizmo" });
    const deleted = await expectJson<ProductOut>(
      call("DELETE", `/api/v1/products/${product.id}`, { token: admin.token }),
      200,
    );
    expect(deleted.is_active).toBe(false);
    expect(await dbRow(product.id)).toMatchObject({ is_active: 0 });
    const list = await expectJson<Page>(call("GET", "/api/v1/products?limit=1000", { token: cashier.token }), 200);
    expect(list.data.map((p) => p.id)).not.toContain(product.id);
    const search = await expectJson<Page>(
      call("GET", "/api/v1/products/search?q=gizmo", { token: cashier.token }),
      200,
    );
    expect(search.data).toHaveLength(0);
    const withInactive = await expectJson<Page>(
      call("GET", "/api/v1/products/search?q=gizmo&include_inactive=true", { token: cashier.token }),
      200,
    );
    expect(withInactive.data.map((p) => p.id)).toEqual([product.id]);
    await expectJson(call("GET", `/api/v1/products/${product.id}`, { token: cashier.token }), 200);
  });

  it("prices a product at one store without changing it at the others", async ({ expect }) => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { name: "Harbour tea", price: 4, barcode: "4006381333955" });
    const setEast = await expectJson<ProductOut>(
      call("PUT", `/api/v1/products/${product.id}/store-price`, {
        token: admin.token,
        headers: atStore(2),
        body: { price: "4.75" },
      }),
      200,
    );
    expect(setEast).toMatchObject({ id: product.id, price: 4.75, version: product.version });
    expect(await env.DB.prepare("SELECT product_id, store_id, price FROM product_store_prices").all()).toMatchObject({
      results: [{ product_id: product.id, store_id: 2, price: 475 }],
    });

    const seen = async (path: string, storeId: number) =>
      expectJson<ProductOut>(call("GET", path, { token: admin.token, headers: atStore(storeId) }), 200);
    expect((await seen(`/api/v1/products/${product.id}`, 2)).price).toBe(4.75);
    expect((await seen(`/api/v1/products/${product.id}`, 1)).price).toBe(4);
    expect((await seen("/api/v1/products/barcode/4006381333955", 2)).price).toBe(4.75);
    expect((await seen("/api/v1/products/barcode/4006381333955", 1)).price).toBe(4);
    // A client that names no store is at its home store (MAIN): the catalog's price.
    expect(
      (await expectJson<ProductOut>(call("GET", `/api/v1/products/${product.id}`, { token: cashier.token }), 200))
        .price,
    ).toBe(4);
    const listed = async (storeId: number, query: string) =>
      (
        await expectJson<Page>(
          call("GET", `/api/v1/products?${query}`, { token: admin.token, headers: atStore(storeId) }),
          200,
        )
      ).data.find((p) => p.id === product.id)?.price;
    expect(await listed(2, "search=harbour")).toBe(4.75);
    expect(await listed(1, "search=harbour")).toBe(4);
    // Price filters use the store's price.
    expect(await listed(2, "min_price=4.5&limit=1000")).toBe(4.75);
    expect(await listed(1, "min_price=4.5&limit=1000")).toBeUndefined();

    // A catalog price change leaves EAST's own price in place.
    await expectJson(call("PUT", `/api/v1/products/${product.id}`, { token: admin.token, body: { price: 5 } }), 200);
    expect((await seen(`/api/v1/products/${product.id}`, 2)).price).toBe(4.75);
    expect((await seen(`/api/v1/products/${product.id}`, 1)).price).toBe(5);

    // A MAIN manager has no role at EAST; bad prices and unknown products write nothing.
    const foreign = await call("PUT", `/api/v1/products/${product.id}/store-price`, {
      token: manager.token,
      body: { price: 1, store_id: 2 },
    });
    expect(foreign.status).toBe(403);
    const cashierSets = await call("PUT", `/api/v1/products/${product.id}/store-price`, {
      token: cashier.token,
      body: { price: 1 },
    });
    expect(cashierSets.status).toBe(403);
    for (const price of [-1, "abc", 1.001]) {
      const bad = await call("PUT", `/api/v1/products/${product.id}/store-price`, {
        token: admin.token,
        headers: atStore(2),
        body: { price },
      });
      expect(bad.status, String(price)).toBe(422);
    }
    const missing = await call("PUT", "/api/v1/products/999999/store-price", {
      token: admin.token,
      body: { price: 1 },
    });
    expect(missing.status).toBe(404);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM product_store_prices").first())?.n).toBe(1);

    const cleared = await expectJson<ProductOut>(
      call("DELETE", `/api/v1/products/${product.id}/store-price`, { token: admin.token, headers: atStore(2) }),
      200,
    );
    expect(cleared.price).toBe(5);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM product_store_prices").first())?.n).toBe(0);
  });
});
