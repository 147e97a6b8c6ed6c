/** Reads the few things scripts need from wrangler.toml (flat keys and [vars] only). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseDotenv } from "../../src/lib/production-config";
import { ROOT } from "./local-d1";

export interface WranglerBasics {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

export function readWranglerBasics(): WranglerBasics {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  const varsBlock = /^\[vars\]\s*\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? "";
  const vars: Record<string, string> = {};
  for (const line of varsBlock.split("\n")) {
    const match = /^([A-Z0-9_]+)\s*=\s*"([^"]*)"/.exec(line.trim());
    if (match?.[1]) vars[match[1]] = match[2] ?? "";
  }
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? ""),
    vars,
  };
}

/**
 * The settings a local Worker run sees: wrangler.toml [vars], then .dev.vars
 * (or .dev.vars.example before `npm run dev` made one), as `wrangler dev` does.
 * Scripts that call the Worker's own jobs pass these, so the jobs' config
 * check (src/lib/config.ts) passes as it does under `wrangler dev`.
 */
export function localWorkerVars(): Record<string, string> {
  const devVars = path.join(ROOT, ".dev.vars");
  const file = existsSync(devVars) ? devVars : path.join(ROOT, ".dev.vars.example");
  return { ...readWranglerBasics().vars, ...parseDotenv(readFileSync(file, "utf8")) };
}
