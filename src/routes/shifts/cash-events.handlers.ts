import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { idempotent } from "../../lib/http/idempotent";
import * as cash from "../../services/shifts-cash";
import type { AddRoute, DecideRoute, ListRoute } from "./cash-events.routes";

export const add: RouteHandler<AddRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: (idem) => cash.addCashEvent(ctx, user, id, { ...body, amount: body.amount ?? 0 }, idem),
    rerender: (ref) => cash.getCashEvent(ctx, user, id, Number(ref)).catch(() => null),
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await cash.listCashEvents(c.var.ctx, c.var.user, c.req.valid("param").id, c.req.valid("query")), 200);

const decide =
  (decision: "approved" | "rejected"): RouteHandler<DecideRoute, AppEnv> =>
  async (c) => {
    const { ctx, user } = c.var;
    const { id, event_id } = c.req.valid("param");
    const answer = await idempotent(
      c,
      {},
      {
        status: 200,
        run: (idem) => cash.decideCashEvent(ctx, user, id, event_id, decision, idem),
        rerender: (ref) => cash.getCashEvent(ctx, user, id, Number(ref)).catch(() => null),
      },
    );
    return c.json(answer.body, 200, answer.headers);
  };

export const approve = decide("approved");
export const reject = decide("rejected");
