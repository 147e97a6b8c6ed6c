/** Runs the project's own wrangler with the Node that runs this script (Node 22 from node_modules). */
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "./local-d1";

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");

export function wrangler(args: string[], options: { inherit?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      stdio: options.inherit === false ? "ignore" : "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 1);
    });
  });
}

/**
 * Applies the migrations of every database of wrangler.toml to its local
 * copy: the head office's folder to DB, the store folder to each STORE_*
 * binding (`wrangler d1 migrations apply <BINDING> --local`, or `--remote`).
 */
export async function applyMigrations(where: "--local" | "--remote" = "--local", only?: string[]) {
  // Imported here: local-chain.ts runs wrangler through this module.
  const { d1Entries } = await import("./local-chain");
  for (const { binding } of d1Entries()) {
    if (only && !only.includes(binding)) continue;
    const code = await wrangler(["d1", "migrations", "apply", binding, where]);
    if (code !== 0) throw new Error(`wrangler d1 migrations apply ${binding} ${where} exited with ${code}`);
  }
}

/** Every local database's migrations (head office and each store). */
export const applyLocalMigrations = () => applyMigrations("--local");
