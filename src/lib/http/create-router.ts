import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { validationHook } from "./validation";

/**
 * A router for one area. `strict: false` makes a trailing slash optional, as
 * the API conventions promise; the hook gives every router the same 422.
 */
export const createRouter = () => new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });
