import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";

describe("categories", () => {
  it("creates, lists, reads and updates with unique names", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const tools = await createCategory(admin.token, "Tools");
    const dup = await call("POST", "/api/v1/categories", { token: admin.token, body: { name: "tools" } });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "DUPLICATE", field: "name" });

    await createCategory(admin.token, "Archive");
    await expectJson(
      call("PUT", `/api/v1/categories/${tools.id}`, {
        token: admin.token,
        body: { description: "Hand tools", version: 1 },
      }),
      200,
    );
    const stale = await call("PUT", `/api/v1/categories/${tools.id}`, {
      token: admin.token,
      body: { name: "Tools2", version: 1 },
    });
    expect(stale.status).toBe(409);

    const archive = await expectJson<{ data: { id: number; name: string }[] }>(
      call("GET", "/api/v1/categories", { token: cashier.token }),
      200,
    );
    const archiveId = archive.data.find((c) => c.name === "Archive")?.id;
    await expectJson(
      call("PUT", `/api/v1/categories/${archiveId}`, { token: admin.token, body: { is_active: false } }),
      200,
    );
    const active = await expectJson<{ total: number; data: { name: string }[] }>(
      call("GET", "/api/v1/categories?is_active=true", { token: cashier.token }),
      200,
    );
    expect(active.data.map((c) => c.name)).toEqual(["Tools"]);
    const one = await expectJson(call("GET", `/api/v1/categories/${tools.id}`, { token: cashier.token }), 200);
    expect(one).toMatchObject({ name: "Tools", description: "Hand tools", version: 2 });
    expect((await call("GET", "/api/v1/categories/424242", { token: cashier.token })).status).toBe(404);
  });

  it("refuses to delete a category with products unless asked to detach them", async ({ expect }) => {
    const { admin } = await accounts();
    const category = await createCategory(admin.token, "Seasonal");
    const product = await createProduct(admin.token, { category_id: category.id });
    const refused = await call("DELETE", `/api/v1/categories/${category.id}`, { token: admin.token });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ product_count: 1 });
    expect(await env.DB.prepare("SELECT category_id FROM products WHERE id = ?").bind(product.id).first()).toEqual({
      category_id: category.id,
    });

    const deleted = await expectJson(
      call("DELETE", `/api/v1/categories/${category.id}?detach_products=true`, { token: admin.token }),
      200,
    );
    expect(deleted).toMatchObject({ detached_products: 1 });
    expect(await env.DB.prepare("SELECT category_id FROM products WHERE id = ?").bind(product.id).first()).toEqual({
      category_id: null,
    });
    expect((await call("GET", `/api/v1/categories/${category.id}`, { token: admin.token })).status).toBe(404);

    const empty = await createCategory(admin.token, "Empty");
    await expectJson(call("DELETE", `/api/v1/categories/${empty.id}`, { token: admin.token }), 200);
  });
});
