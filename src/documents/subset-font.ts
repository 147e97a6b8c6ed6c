/**
 * Embeds a pre-subset TrueType font (see scripts/build-fonts.ts) as a
 * Type0 / CIDFontType2 font with Identity-H encoding, a W widths array and a
 * ToUnicode map: the structure pdf-lib writes for custom fonts, without
 * shipping fontkit in the Worker. Characters the subset lacks print as "?".
 */
import {
  CustomFontEmbedder,
  type PDFContext,
  type PDFDocument,
  PDFFont,
  PDFHexString,
  type PDFRef,
  PDFString,
} from "pdf-lib";

export interface SubsetMetrics {
  name: string;
  ascent: number;
  descent: number;
  capHeight: number;
  bbox: number[];
  /** character → [glyph id in the subset, advance in 1/1000 em] */
  glyphs: Record<string, [number, number]>;
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");

class SubsetFontEmbedder {
  readonly fontName: string;
  private readonly fallback: [number, number];

  constructor(
    private readonly ttf: Uint8Array,
    private readonly metrics: SubsetMetrics,
  ) {
    // A subset tag keeps readers from confusing it with an installed Inter.
    this.fontName = `POSAPI+${metrics.name}`;
    this.fallback = metrics.glyphs["?"] ?? [0, 500];
  }

  private glyphsOf(text: string): [number, number][] {
    return [...text].map((ch) => this.metrics.glyphs[ch] ?? this.fallback);
  }

  encodeText(text: string): PDFHexString {
    return PDFHexString.of(
      this.glyphsOf(text)
        .map(([gid]) => hex4(gid))
        .join(""),
    );
  }

  widthOfTextAtSize(text: string, size: number): number {
    return (this.glyphsOf(text).reduce((sum, [, width]) => sum + width, 0) * size) / 1000;
  }

  heightOfFontAtSize(size: number, options: { descender?: boolean } = {}): number {
    const { ascent, descent } = this.metrics;
    return ((options.descender === false ? ascent : ascent - descent) * size) / 1000;
  }

  sizeOfFontAtHeight(height: number): number {
    return (1000 * height) / (this.metrics.ascent - this.metrics.descent);
  }

  embedIntoContext(context: PDFContext, ref: PDFRef): PDFRef {
    const m = this.metrics;
    const fontFile = context.register(context.flateStream(this.ttf, { Length1: this.ttf.length }));
    const descriptor = context.register(
      context.obj({
        Type: "FontDescriptor",
        FontName: this.fontName,
        Flags: 4, // symbolic: glyphs addressed by id, not by a standard encoding
        FontBBox: m.bbox,
        ItalicAngle: 0,
        Ascent: m.ascent,
        Descent: m.descent,
        CapHeight: m.capHeight,
        StemV: 80,
        FontFile2: fontFile,
      }),
    );
    const byGid = [...new Map(Object.values(m.glyphs).map(([gid, width]) => [gid, width])).entries()].sort(
      (a, b) => a[0] - b[0],
    );
    const widths = byGid.flatMap(([gid, width]) => [gid, [width]]);
    const cidFont = context.register(
      context.obj({
        Type: "Font",
        Subtype: "CIDFontType2",
        BaseFont: this.fontName,
        // PDF strings, not names (context.obj would turn JS strings into names).
        CIDSystemInfo: { Registry: PDFString.of("Adobe"), Ordering: PDFString.of("Identity"), Supplement: 0 },
        FontDescriptor: descriptor,
        W: widths,
        CIDToGIDMap: "Identity",
      }),
    );
    const toUnicode = context.register(context.flateStream(this.toUnicodeCMap()));
    context.assign(
      ref,
      context.obj({
        Type: "Font",
        Subtype: "Type0",
        BaseFont: this.fontName,
        Encoding: "Identity-H",
        DescendantFonts: [cidFont],
        ToUnicode: toUnicode,
      }),
    );
    return ref;
  }

  /** Lets readers copy and search text: glyph id → character. */
  private toUnicodeCMap(): string {
    const entries = Object.entries(this.metrics.glyphs).map(
      ([ch, [gid]]) => `<${hex4(gid)}> <${[...ch].map((c) => hex4(c.codePointAt(0) ?? 63)).join("")}>`,
    );
    const blocks: string[] = [];
    for (let i = 0; i < entries.length; i += 100) {
      const part = entries.slice(i, i + 100);
      blocks.push(`${part.length} beginbfchar\n${part.join("\n")}\nendbfchar`);
    }
    return [
      "/CIDInit /ProcSet findresource begin",
      "12 dict begin",
      "begincmap",
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
      "/CMapName /Adobe-Identity-UCS def",
      "/CMapType 2 def",
      "1 begincodespacerange",
      "<0000><ffff>",
      "endcodespacerange",
      ...blocks,
      "endcmap",
      "CMapName currentdict /CMap defineresource pop",
      "end",
      "end",
    ].join("\n");
  }
}

// PDFFont accepts only pdf-lib's own embedder classes (an instanceof check).
// Ours provides every method PDFFont calls; inheriting the prototype passes
// the check without constructing the fontkit-backed parent.
Object.setPrototypeOf(SubsetFontEmbedder.prototype, CustomFontEmbedder.prototype);

/** Embeds the font now and returns a PDFFont usable with page.drawText. */
export function embedSubsetFont(pdf: PDFDocument, ttf: ArrayBuffer, metrics: SubsetMetrics): PDFFont {
  const embedder = new SubsetFontEmbedder(new Uint8Array(ttf), metrics);
  const ref = pdf.context.nextRef();
  embedder.embedIntoContext(pdf.context, ref);
  return PDFFont.of(ref, pdf, embedder as unknown as Parameters<typeof PDFFont.of>[2]);
}
