/**
 * Every table of both kinds of database, for code that names a table: the
 * head office's (schema-head-office.ts) and a store's (schema-store.ts).
 */

export * from "./schema-audit";
export * from "./schema-chain";
export * from "./schema-common";
export * from "./schema-head-office";
export * from "./schema-store";
export * from "./schema-webhooks";
