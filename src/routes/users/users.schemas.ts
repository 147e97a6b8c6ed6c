import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema";
import { paginatedSchema } from "../../lib/http/openapi";

// Printable, no control characters: what a person types into a till.
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "Control characters are not allowed");

export const UsernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, "Use letters, digits, '_', '.' or '-'")
  .openapi({ example: "john" });

export const EmailSchema = z.string().trim().max(254).pipe(z.email()).openapi({ example: "john@example.com" });

export const PasswordSchema = z.string().min(8).max(128).openapi({ example: "secure123", format: "password" });

export const RoleSchema = z.enum(ROLES).openapi("Role");

export const FullNameSchema = plainText(120).nullish().openapi({ example: "John Doe" });
export const PhoneSchema = z
  .string()
  .trim()
  .max(32)
  .regex(/^[0-9+()\-. ]*$/, "Use digits, spaces and + ( ) - .")
  .nullish()
  .openapi({ example: "+1 555 0100" });

const StoreIdSchema = z.number().int().positive().max(999_999_999);

export const StoreRoleSchema = z
  .object({ store_id: StoreIdSchema, role: RoleSchema })
  .strict()
  .openapi("StoreRole", { description: "A role at a store other than the user's home store" });

const StoreRolesSchema = z.array(StoreRoleSchema).max(50).openapi({
  description:
    "Roles at stores other than the home store; replaces the whole set. Must be empty for admins (admin is a role at every store).",
});

export const UserSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    full_name: z.string().nullable(),
    phone_number: z.string().nullable(),
    role: RoleSchema,
    is_active: z.boolean(),
    is_verified: z.boolean(),
    home_store_id: z
      .number()
      .int()
      .openapi({ description: "The store requests that name none act on; `role` is the role there" }),
    store_roles: z.array(StoreRoleSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("User");

export const UserListSchema = paginatedSchema(UserSchema, "UserList");

export const CreateUserSchema = z
  .object({
    username: UsernameSchema,
    email: EmailSchema,
    password: PasswordSchema,
    full_name: FullNameSchema,
    phone_number: PhoneSchema,
    role: RoleSchema.optional().openapi({ example: "cashier" }),
    home_store_id: StoreIdSchema.optional().openapi({
      description: "Default: the store the admin's request acts on (their home store unless it names another)",
    }),
    store_roles: StoreRolesSchema.optional(),
  })
  .openapi("UserCreate");

export const UpdateUserSchema = z
  .object({
    email: EmailSchema.optional(),
    full_name: FullNameSchema,
    phone_number: PhoneSchema,
    role: RoleSchema.optional(),
    is_active: z.boolean().optional(),
    home_store_id: StoreIdSchema.optional(),
    store_roles: StoreRolesSchema.optional(),
  })
  .strict()
  .openapi("UserUpdate");

const booleanQuery = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1")
  .optional();

export const UserListQuerySchema = z.object({
  role: RoleSchema.optional(),
  is_active: booleanQuery,
});
