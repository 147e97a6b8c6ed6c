import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, IdParamSchema, jsonContent } from "../../lib/http/openapi";
import { AuditPageSchema, AuditPagingSchema, AuditQuerySchema } from "./audit.schemas";

const security = BEARER_SECURITY;
const readTrail = [requirePermission("audit:read")];
const WHO =
  "Admins see every event; managers the events of the stores where they are manager (the head office's about those stores too). Newest first, keyset-paged: `next_cursor` gives the next page.";

export const list = createRoute({
  method: "get",
  path: "/",
  tags: ["audit"],
  summary: "The audit trail: who changed what, when (admin, manager)",
  description: `${WHO} Filters combine: entity_type and entity_id, actor (user id), action (exact, or a prefix ending in a dot), store_id, from and to.`,
  security,
  middleware: readTrail,
  request: { query: AuditQuerySchema },
  responses: { 200: jsonContent(AuditPageSchema, "A page of audit events"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

/** The entities with a history route: the path prefix, the entity type, its tag. */
export const HISTORIES = [
  { prefix: "products", type: "product", tag: "products" },
  { prefix: "users", type: "user", tag: "users" },
  { prefix: "customers", type: "customer", tag: "customers" },
  { prefix: "orders", type: "order", tag: "orders" },
  { prefix: "shifts", type: "shift", tag: "shifts" },
  { prefix: "transfers", type: "transfer", tag: "transfers" },
  { prefix: "categories", type: "category", tag: "categories" },
  { prefix: "stores", type: "store", tag: "stores" },
] as const;

export type HistoryEntity = (typeof HISTORIES)[number];

/** GET /<prefix>/{id}/history: the trail of one record. */
export const historyOf = (entity: HistoryEntity) =>
  createRoute({
    method: "get",
    path: "/{id}/history",
    tags: [entity.tag],
    summary: `The ${entity.type.replace("_", " ")}'s audit history (admin, manager)`,
    description: `Every audit event about the ${entity.type} with this id. ${WHO} A record that was deleted keeps its history; an id never written answers an empty page.`,
    security,
    middleware: readTrail,
    request: { params: IdParamSchema, query: AuditPagingSchema },
    responses: { 200: jsonContent(AuditPageSchema, "A page of audit events"), ...errorResponses(...AUTHED_ERRORS) },
  });

export type ListRoute = typeof list;
export type HistoryRoute = ReturnType<typeof historyOf>;
