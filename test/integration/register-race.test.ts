// Its own file: the users table starts empty, so both requests race to be first.
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { BOOTSTRAP_HEADERS, call } from "../helpers/api";

it("lets exactly one of several racing first registrations become admin", async ({ expect }) => {
  const results = await Promise.all(
    [1, 2, 3, 4].map((n) =>
      call("POST", "/api/v1/auth/register", {
        headers: BOOTSTRAP_HEADERS,
        body: { username: `first${n}`, email: `first${n}@example.com`, password: "secure123" },
      }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([201, 401, 401, 401]);
  const admins = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'").first();
  expect(admins).toEqual({ n: 1 });
  expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM users").first()).toEqual({ n: 1 });
});
