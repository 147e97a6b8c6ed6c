/**
 * `npm run build:fonts`: makes the small embedded fonts the PDFs use.
 *
 * fontkit (a dev dependency only: it weighs ~330 KiB gzipped, too much for
 * the Worker bundle) subsets Inter to the Windows-1252 repertoire, and this
 * writes each subset as a TrueType file plus a JSON of the metrics the
 * Worker needs (glyph id and advance per character, ascent, descent, box).
 * src/documents/subset-font.ts embeds them as Type0/CIDFontType2 fonts, the
 * same structure pdf-lib itself writes for custom fonts. The outputs are
 * committed: they change only when this script or the font package does.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import fontkit from "@pdf-lib/fontkit";
import { ROOT } from "./lib/local-d1";

const require = createRequire(import.meta.url);
const OUT = path.join(ROOT, "src/documents/fonts");

// Printable ASCII, Latin-1 and the Windows-1252 extras shop text uses.
const CHARS = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i),
  ...Array.from({ length: 0x100 - 0xa0 }, (_, i) => 0xa0 + i),
  0x20ac,
  0x2013,
  0x2014,
  0x2018,
  0x2019,
  0x201c,
  0x201d,
  0x2022,
  0x2026,
];

for (const [weight, name] of [
  ["400", "Inter-Regular"],
  ["700", "Inter-Bold"],
] as const) {
  const file = require.resolve(`@fontsource/inter/files/inter-latin-${weight}-normal.woff`);
  const font = fontkit.create(readFileSync(file));
  const subset = font.createSubset();
  const scale = 1000 / font.unitsPerEm;
  const glyphs: Record<string, [number, number]> = {};
  for (const code of CHARS) {
    const glyph = font.glyphForCodePoint(code);
    if (!glyph || glyph.id === 0) continue;
    const gid = subset.includeGlyph(glyph);
    glyphs[String.fromCodePoint(code)] = [gid, Math.round(glyph.advanceWidth * scale)];
  }
  const ttf = await new Promise<Uint8Array>((resolve, reject) => {
    const parts: Uint8Array[] = [];
    subset
      .encodeStream()
      .on("data", (bytes: Uint8Array) => parts.push(bytes))
      .on("end", () => resolve(Buffer.concat(parts)));
    setTimeout(() => reject(new Error("font subset did not finish")), 30_000).unref();
  });

  const bbox = font.bbox;
  const metrics = {
    name,
    ascent: Math.round(font.ascent * scale),
    descent: Math.round(font.descent * scale),
    capHeight: Math.round((font.capHeight || font.ascent) * scale),
    bbox: [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => Math.round(v * scale)),
    glyphs,
  };
  const base = name.toLowerCase();
  writeFileSync(path.join(OUT, `${base}.ttf`), ttf);
  writeFileSync(path.join(OUT, `${base}.json`), `${JSON.stringify(metrics)}\n`);
  console.log(`${base}.ttf: ${ttf.length} bytes, ${Object.keys(glyphs).length} characters`);
}
