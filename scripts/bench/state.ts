/**
 * The bench's own database (bench/.state-N, never the dev database): migrated,
 * seeded and filled once, then reused by later runs on the same machine.
 */
import path from "node:path";
import { fillCatalog } from "../fill-catalog";
import { applyMigrationsDirect, openLocalD1, ROOT } from "../lib/local-d1";
import { progress } from "../lib/progress";
import { isEmpty, seedAll } from "../seed/index";

export async function prepareState(products: number): Promise<string> {
  const stateDir = path.join(ROOT, `bench/.state-${products}`);
  const { db, dispose } = await openLocalD1(stateDir);
  try {
    await applyMigrationsDirect(db);
    if (await isEmpty(db)) await seedAll(db);
    await fillCatalog(db, products, progress("filling catalog", products));
  } finally {
    await dispose();
  }
  return stateDir;
}
