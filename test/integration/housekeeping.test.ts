import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import worker from "../../src/index";
import { CRON_HOUSEKEEPING } from "../../src/jobs/crons";
import { runHousekeeping } from "../../src/jobs/housekeeping";
import { accounts } from "../helpers/accounts";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

const NOW = new Date("2026-11-30T12:00:00.000Z");
const HOUR = 3_600_000;
const iso = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();

/** A table's keys, in the head office or (idempotency keys) a store's database. */
async function keys(table: string, column: string, db: D1Database = env.DB): Promise<string[]> {
  const { results } = await db.prepare(`SELECT ${column} AS k FROM ${table} ORDER BY ${column}`).all<{
    k: string;
  }>();
  return results.map((row) => row.k);
}

const idempotencyKey = (storeId: number) =>
  storeDb(storeId).prepare(
    "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, resource_type, resource_ref, created_at) VALUES (?1, ?2, 'POST', '/api/v1/orders', 'h', 'order', '1', ?3)",
  );

async function seed(userId: number) {
  const attempt = env.DB.prepare(
    "INSERT INTO login_attempts (key, failures, window_started_at, locked_until) VALUES (?1, 3, ?2, ?3)",
  );
  const token = env.DB.prepare(
    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at, used_at) VALUES (?1, ?2, 'fam', ?1, ?3, ?4, ?5)",
  );
  const windowMs = 900_000; // LOGIN_LOCKOUT_SECONDS in wrangler.toml
  await env.DB.batch([
    attempt.bind("old-1", NOW.getTime() - windowMs - 1, null),
    attempt.bind("old-2", NOW.getTime() - windowMs - 5, NOW.getTime() - 10),
    attempt.bind("old-3", NOW.getTime() - 2 * windowMs, null),
    attempt.bind("current", NOW.getTime() - 1000, null),
    // An old window whose lock still lies ahead must stay until the lock ends.
    attempt.bind("locked-ahead", NOW.getTime() - windowMs - 1, NOW.getTime() + 30_000),
    token.bind("expired-spent", userId, iso(1000), iso(15 * 24 * HOUR), iso(14 * 24 * HOUR)),
    token.bind("expired", userId, iso(1), iso(14 * 24 * HOUR), null),
    // Spent but not expired: kept, it is how a replayed stolen token is detected.
    token.bind("spent-live", userId, iso(-HOUR), iso(HOUR), iso(HOUR / 2)),
    token.bind("live", userId, iso(-24 * HOUR), iso(HOUR), null),
  ]);
  // Idempotency keys live with what they guard, in each store's database.
  const main = idempotencyKey(MAIN_STORE.id);
  await storeDb(MAIN_STORE.id).batch([
    main.bind(userId, "old-a", iso(73 * HOUR)),
    main.bind(userId, "old-b", iso(100 * HOUR)),
    main.bind(userId, "recent", iso(71 * HOUR)),
  ]);
  const east = idempotencyKey(SECOND_STORE.id);
  await storeDb(SECOND_STORE.id).batch([
    east.bind(userId, "east-old", iso(80 * HOUR)),
    east.bind(userId, "east-recent", iso(HOUR)),
  ]);
  // Outbox rows: sent over 7 days ago go; sent lately, or never sent however old, stay.
  const event = storeDb(MAIN_STORE.id).prepare(
    "INSERT INTO outbox (event_id, type, payload, created_at, sent_at) VALUES (?1, 'order.completed', '{}', ?2, ?3)",
  );
  await storeDb(MAIN_STORE.id).batch([
    event.bind("sent-long-ago", iso(9 * 24 * HOUR), iso(8 * 24 * HOUR)),
    event.bind("sent-lately", iso(6 * 24 * HOUR), iso(6 * 24 * HOUR)),
    event.bind("never-sent", iso(30 * 24 * HOUR), null),
  ]);
  // EAST's only row is old and sent, but the newest row of an outbox always stays
  // (the order.changed trigger numbers its events from MAX(id) + 1).
  await storeDb(SECOND_STORE.id)
    .prepare(
      "INSERT INTO outbox (event_id, type, payload, created_at, sent_at) VALUES ('east-newest', 'order.completed', '{}', ?1, ?1)",
    )
    .bind(iso(20 * 24 * HOUR))
    .run();
}

describe("housekeeping cron", () => {
  it("prunes only what nothing needs, in bounded rounds", async ({ expect }) => {
    const { cashier } = await accounts();
    await env.DB.prepare("DELETE FROM login_attempts").run();
    await seed(cashier.id);

    // Two rounds of two rows each: three old login counters need a second run.
    const first = await runHousekeeping(env, NOW, { chunk: 2, maxRounds: 1 });
    // Idempotency keys: two at MAIN (one round's chunk) and EAST's one, summed over the two stores.
    expect(first).toMatchObject({ login_attempts: 2, idempotency_keys: 3, refresh_tokens: 2, outbox: 1, stores: 2 });
    expect((await keys("login_attempts", "key")).filter((k) => k.startsWith("old"))).toHaveLength(1);

    const second = await runHousekeeping(env, NOW, { chunk: 2, maxRounds: 1 });
    expect(second).toMatchObject({ login_attempts: 1, idempotency_keys: 0, refresh_tokens: 0, outbox: 0, stores: 2 });
    expect(await keys("outbox", "event_id", storeDb(MAIN_STORE.id))).toEqual(["never-sent", "sent-lately"]);
    expect(await keys("outbox", "event_id", storeDb(SECOND_STORE.id))).toEqual(["east-newest"]);

    expect(await keys("login_attempts", "key")).toEqual(["current", "locked-ahead"]);
    expect(await keys("idempotency_keys", "key", storeDb(MAIN_STORE.id))).toEqual(["recent"]);
    expect(await keys("idempotency_keys", "key", storeDb(SECOND_STORE.id))).toEqual(["east-recent"]);
    const tokens = await keys("refresh_tokens", "id");
    expect(tokens).toEqual(expect.arrayContaining(["live", "spent-live"]));
    expect(tokens).not.toContain("expired");
    expect(tokens).not.toContain("expired-spent");
  });

  it("runs from its cron schedule", async ({ expect }) => {
    const { cashier } = await accounts();
    await idempotencyKey(SECOND_STORE.id).bind(cashier.id, "ancient", "2020-01-01T00:00:00.000Z").run();
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: CRON_HOUSEKEEPING });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await keys("idempotency_keys", "key", storeDb(SECOND_STORE.id))).not.toContain("ancient");
  });
});

describe("housekeeping of the events feed and webhook deliveries", () => {
  it("keeps a month, and never an event a delivery still retries", async ({ expect }) => {
    const event = env.DB.prepare(
      `INSERT INTO events (event_key, type, store_id, resource_type, resource_id, payload, occurred_at, recorded_at)
       VALUES (?1, 'order.completed', 1, 'order', 1, '{}', ?2, ?2) RETURNING id`,
    );
    const ids: (number | undefined)[] = [];
    for (const [i, key] of ["hk-old", "hk-old-retrying", "hk-recent"].entries()) {
      const row = await event.bind(key, iso(i === 2 ? 29 * 24 * HOUR : 31 * 24 * HOUR)).first<{ id: number }>();
      ids.push(row?.id);
    }
    const [old, oldRetrying, recent] = ids;
    const endpoint = await env.DB.prepare(
      `INSERT INTO webhook_endpoints (url, event_types, secret, created_at, updated_at)
       VALUES ('https://example.com/hook', '["*"]', 'whsec_x', ?1, ?1) RETURNING id`,
    )
      .bind(iso(40 * 24 * HOUR))
      .first<{ id: number }>();
    const delivery = env.DB.prepare(
      `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?4, ?4)`,
    );
    await env.DB.batch([
      delivery.bind(old, endpoint?.id, "delivered", iso(31 * 24 * HOUR)),
      delivery.bind(oldRetrying, endpoint?.id, "failed", iso(31 * 24 * HOUR)),
      delivery.bind(recent, endpoint?.id, "dead", iso(29 * 24 * HOUR)),
    ]);
    await runHousekeeping(env, NOW);
    expect(await keys("events", "event_key")).toEqual(["hk-old-retrying", "hk-recent"]);
    const left = await env.DB.prepare("SELECT event_id, status FROM webhook_deliveries ORDER BY event_id").all();
    expect(left.results).toEqual([
      { event_id: oldRetrying, status: "failed" },
      { event_id: recent, status: "dead" },
    ]);
  });

  it("keeps the newest event after a quiet month, so a poller's cursor stays known", async ({ expect }) => {
    await env.DB.prepare("DELETE FROM webhook_deliveries").run();
    await env.DB.prepare("DELETE FROM events").run();
    const event = env.DB.prepare(
      `INSERT INTO events (event_key, type, store_id, resource_type, resource_id, payload, occurred_at, recorded_at)
       VALUES (?1, 'order.completed', 1, 'order', 1, '{}', ?2, ?2)`,
    );
    await event.bind("quiet-1", iso(40 * 24 * HOUR)).run();
    await event.bind("quiet-2", iso(35 * 24 * HOUR)).run();
    await runHousekeeping(env, NOW);
    expect(await keys("events", "event_key")).toEqual(["quiet-2"]);
  });
});
