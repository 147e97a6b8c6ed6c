import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../lib/auth/middleware";
import { limitAuthCalls } from "../../lib/auth/rate-limit";
import { emptyJsonBodyAsNone } from "../../lib/http/empty-json-body";
import { BEARER_SECURITY, errorResponses, jsonBody, jsonContent, MessageSchema } from "../../lib/http/openapi";
import { CreateUserSchema, UserSchema } from "../users/users.schemas";
import {
  BootstrapHeaderSchema,
  ChangePasswordQuerySchema,
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
    "The first account ever registered becomes `admin`: it needs no bearer token but the one-time BOOTSTRAP_TOKEN secret in the `X-Bootstrap-Token` header (403 without it, and 403 when that secret is not set: then the first admin comes from `npm run admin:create`). After that, only an admin's token may register accounts (and grant roles); the header is ignored.",
  security: [{}, ...BEARER_SECURITY],
  middleware: [limitAuthCalls()],
  request: { headers: BootstrapHeaderSchema, body: jsonBody(CreateUserSchema) },
  responses: {
    201: jsonContent(UserSchema, "Account created"),
    ...errorResponses(400, 401, 403, 409, 413, 415, 429, 503),
  },
});

export const login = createRoute({
  method: "post",
  path: "/login",
  tags,
  summary: "Sign in (JSON body or OAuth2 password form)",
  description:
    'Throttled per client address and per username (429 with `Retry-After`; see the README\'s "Sign-in and tokens"). 503 with `Retry-After` when the server is busy checking other passwords.',
  security: [],
  middleware: [limitAuthCalls()],
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
    ...errorResponses(401, 403, 413, 415, 429, 503),
  },
});

export const refresh = createRoute({
  method: "post",
  path: "/refresh",
  tags,
  summary: "Rotate a refresh token for a new token pair",
  description:
    "Each refresh token works once. Presenting a spent one ends that sign-in: its refresh tokens and its access tokens stop working (the user's other sign-ins go on).",
  security: [],
  middleware: [limitAuthCalls()],
  request: { body: jsonBody(RefreshSchema) },
  responses: { 200: jsonContent(TokenPairSchema, "New token pair"), ...errorResponses(401, 413, 415, 429) },
});

export const logout = createRoute({
  method: "post",
  path: "/logout",
  tags,
  summary: "End this sign-in (or, with `everywhere: true`, every sign-in)",
  description:
    "Without a body (or with `{}`), ends the sign-in of the access token used: its refresh tokens and its access tokens stop working, while the user's other sign-ins (other tills, other devices) go on. With `refresh_token`, ends that token's sign-in instead. With `everywhere: true`, ends every sign-in of the caller.",
  security: BEARER_SECURITY,
  // Old clients send no body, some with a JSON Content-Type: that is the bodiless logout.
  middleware: [requireAuth(), emptyJsonBodyAsNone()],
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
  description:
    "The old password counts against the sign-in throttle like a login. The query form `?old_password=…&new_password=…` of the replaced API is accepted but deprecated: send the JSON body.",
  security: BEARER_SECURITY,
  // A JSON Content-Type with an empty body or `{}` counts as no body: the query form applies.
  middleware: [limitAuthCalls(), requireAuth(), emptyJsonBodyAsNone()],
  request: {
    query: ChangePasswordQuerySchema,
    // Not required: the deprecated form sends no body.
    body: { content: { "application/json": { schema: ChangePasswordSchema } } },
  },
  responses: {
    200: jsonContent(PasswordChangedSchema, "Password changed; a fresh token pair for this client"),
    ...errorResponses(400, 401, 413, 415, 429, 503),
  },
});

export type RegisterRoute = typeof register;
export type LoginRoute = typeof login;
export type RefreshRoute = typeof refresh;
export type LogoutRoute = typeof logout;
export type MeRoute = typeof me;
export type ChangePasswordRoute = typeof changePassword;
