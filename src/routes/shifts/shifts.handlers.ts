import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import type { AuthUser } from "../../lib/auth/current-user";
import { idempotent } from "../../lib/http/idempotent";
import type { ServiceContext } from "../../services/context";
import * as shifts from "../../services/shifts";
import { closeShift } from "../../services/shifts-close";
import type { CloseRoute, CurrentRoute, EndRoute, GetRoute, ListRoute, OpenRoute } from "./shifts.routes";

/** A replay whose answer was not stored re-reads the shift the key names. */
const rerender = (ctx: ServiceContext, user: AuthUser) => (ref: string) =>
  shifts.getShift(ctx, user, Number(ref)).catch(() => null);

export const open: RouteHandler<OpenRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: (idem) => shifts.openShift(ctx, user, body, idem),
    rerender: rerender(ctx, user),
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const filters = {
    skip: q.skip,
    limit: q.limit,
    status: q.status,
    drawerId: q.drawer_id,
    cashierId: q.cashier_id,
    from: q.from,
    to: q.to,
  };
  return c.json(await shifts.listShifts(c.var.ctx, c.var.user, filters), 200);
};

export const current: RouteHandler<CurrentRoute, AppEnv> = async (c) =>
  c.json(await shifts.currentShift(c.var.ctx, c.var.user), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await shifts.getShift(c.var.ctx, c.var.user, c.req.valid("param").id), 200);

export const end: RouteHandler<EndRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const { id } = c.req.valid("param");
  const answer = await idempotent(
    c,
    {},
    {
      status: 200,
      run: (idem) => shifts.endShift(ctx, user, id, idem),
      rerender: rerender(ctx, user),
    },
  );
  return c.json(answer.body, 200, answer.headers);
};

export const close: RouteHandler<CloseRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 200,
    run: (idem) => closeShift(ctx, user, id, body, idem),
    rerender: rerender(ctx, user),
  });
  return c.json(answer.body, 200, answer.headers);
};
