import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../lib/auth/middleware";
import { BEARER_SECURITY, errorResponses, jsonBody, jsonContent, MessageSchema } from "../../lib/http/openapi";
import { CreateUserSchema, UserSchema } from "../users/users.schemas";
import {
  ChangePasswordSchema,
  LoginFormSchema,
  LoginSchema,
  LogoutSchema,
  PasswordChangedSchema,
  RefreshSchema,
  TokenPairSchema,
} from "./auth.schemas";

const tags = ["auth"];

export const register = createRoute({
  method: "post",
  path: "/register",
  tags,
  summary: "Create an account",
  description:
    "The first account ever registered becomes `admin` and needs no token. After that, only an admin's token may register accounts (and grant roles).",
  security: [{}, ...BEARER_SECURITY],
  request: { body: jsonBody(CreateUserSchema) },
  responses: { 201: jsonContent(UserSchema, "Account created"), ...errorResponses(400, 401, 403, 409, 413, 415) },
});

export const login = createRoute({
  method: "post",
  path: "/login",
  tags,
  summary: "Sign in (JSON body or OAuth2 password form)",
  security: [],
  request: {
    body: {
      // Not `required`: each media type is validated only when it is the one sent.
      content: {
        "application/json": { schema: LoginSchema },
        "application/x-www-form-urlencoded": { schema: LoginFormSchema },
      },
    },
  },
  responses: {
    200: jsonContent(TokenPairSchema, "Signed in"),
    ...errorResponses(401, 403, 413, 415, 429),
  },
});

export const refresh = createRoute({
  method: "post",
  path: "/refresh",
  tags,
  summary: "Rotate a refresh token for a new token pair",
  description: "Each refresh token works once. Presenting a spent one revokes every token of that sign-in.",
  security: [],
  request: { body: jsonBody(RefreshSchema) },
  responses: { 200: jsonContent(TokenPairSchema, "New token pair"), ...errorResponses(401, 413, 415) },
});

export const logout = createRoute({
  method: "post",
  path: "/logout",
  tags,
  summary: "End this session (given its refresh token) or every session",
  security: BEARER_SECURITY,
  middleware: [requireAuth()],
  request: { body: { content: { "application/json": { schema: LogoutSchema } } } },
  responses: { 200: jsonContent(MessageSchema, "Signed out"), ...errorResponses(400, 401, 413, 415) },
});

export const me = createRoute({
  method: "get",
  path: "/me",
  tags,
  summary: "The signed-in user",
  security: BEARER_SECURITY,
  middleware: [requireAuth()],
  responses: { 200: jsonContent(UserSchema, "The caller"), ...errorResponses(401) },
});

export const changePassword = createRoute({
  method: "post",
  path: "/change-password",
  tags,
  summary: "Change your password; ends every other session",
  security: BEARER_SECURITY,
  middleware: [requireAuth()],
  request: { body: jsonBody(ChangePasswordSchema) },
  responses: {
    200: jsonContent(PasswordChangedSchema, "Password changed; a fresh token pair for this client"),
    ...errorResponses(400, 401, 413, 415),
  },
});

export type RegisterRoute = typeof register;
export type LoginRoute = typeof login;
export type RefreshRoute = typeof refresh;
export type LogoutRoute = typeof logout;
export type MeRoute = typeof me;
export type ChangePasswordRoute = typeof changePassword;
