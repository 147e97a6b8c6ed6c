/** Reads the few things scripts need from wrangler.toml (flat keys and [vars] only). */
import { readFileSync } from "node:fs";
import path from "node:path";
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
