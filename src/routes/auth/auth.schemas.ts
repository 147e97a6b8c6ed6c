import { z } from "@hono/zod-openapi";
import { PasswordSchema } from "../users/users.schemas";

export const TokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().openapi({ description: "Access token lifetime in seconds" }),
  })
  .openapi("TokenPair");

export const LoginSchema = z
  .object({
    username: z.string().trim().min(1).max(50).openapi({ example: "admin" }),
    password: z.string().min(1).max(128).openapi({ example: "admin123", format: "password" }),
  })
  .openapi("Login");

/** OAuth2 password grant form, as Swagger UI's Authorize dialog sends it. */
export const LoginFormSchema = LoginSchema.extend({
  grant_type: z.literal("password").optional(),
  scope: z.string().max(200).optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(200).optional(),
}).openapi("LoginForm");

/** Only the very first registration reads it (src/lib/auth/bootstrap.ts). */
export const BootstrapHeaderSchema = z.object({
  "x-bootstrap-token": z.string().max(1024).optional().openapi({
    description:
      "The BOOTSTRAP_TOKEN secret (X-Bootstrap-Token). Required for the first account ever registered (403 without it, or when the secret is not set); ignored afterwards.",
  }),
});

export const RefreshSchema = z.object({ refresh_token: z.string().min(1).max(4096) }).openapi("RefreshRequest");

export const LogoutSchema = z
  .object({
    refresh_token: z.string().min(1).max(4096).optional().openapi({
      description: "End the sign-in this refresh token belongs to instead of the one of the access token used",
    }),
    everywhere: z.boolean().optional().openapi({
      description: "true ends every sign-in of the caller (every device); otherwise only one sign-in ends",
      example: false,
    }),
  })
  .openapi("LogoutRequest");

export const ChangePasswordSchema = z
  .object({ old_password: z.string().min(1).max(128), new_password: PasswordSchema })
  .refine((body) => body.old_password !== body.new_password, {
    message: "New password must differ from the old one",
    path: ["new_password"],
  })
  .openapi("ChangePassword");

/**
 * The replaced API's form, `?old_password=…&new_password=…`, kept for its
 * clients (deprecated: a URL ends up in browser history and proxy logs; this
 * API logs paths only). Checked by ChangePasswordSchema in the handler.
 */
const deprecatedQueryParam = (description: string) =>
  z
    .string()
    .max(256)
    .optional()
    .openapi({ param: { deprecated: true, description }, format: "password" });

export const ChangePasswordQuerySchema = z.object({
  old_password: deprecatedQueryParam("Deprecated: send `old_password` in the JSON body instead."),
  new_password: deprecatedQueryParam("Deprecated: send `new_password` in the JSON body instead."),
});

export const PasswordChangedSchema = TokenPairSchema.extend({ detail: z.string() }).openapi("PasswordChanged");
