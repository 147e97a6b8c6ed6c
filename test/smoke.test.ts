import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("serves the root", async () => {
  const res = await exports.default.fetch("http://pos.test/");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ name: "POS API" });
});
