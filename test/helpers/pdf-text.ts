/**
 * Reads the text back out of a PDF made by pdf-lib with embedded (Type0)
 * fonts: the shown strings are glyph ids, so each font's ToUnicode map turns
 * them back into characters. Enough to check what an invoice says.
 */
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFRef } from "pdf-lib";

const decoder = new TextDecoder("latin1");

function streamText(stream: unknown): string {
  if (!(stream instanceof PDFRawStream)) return "";
  return decoder.decode(decodePDFRawStream(stream).decode());
}

/** glyph id (hex) → text, from a ToUnicode CMap. */
function parseCMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  const hexToText = (hex: string) =>
    String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((h) => Number.parseInt(h, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, src, dst] of (block[1] ?? "").matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      if (src && dst) map.set(src.toUpperCase(), hexToText(dst));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, dst] of (block[1] ?? "").matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g,
    )) {
      if (!lo || !hi || !dst) continue;
      const start = Number.parseInt(lo, 16);
      const base = Number.parseInt(dst, 16);
      for (let code = start; code <= Number.parseInt(hi, 16); code++) {
        map.set(code.toString(16).toUpperCase().padStart(lo.length, "0"), String.fromCharCode(base + code - start));
      }
    }
  }
  return map;
}

export async function pdfText(bytes: Uint8Array | ArrayBuffer): Promise<{ pages: number; text: string[] }> {
  const pdf = await PDFDocument.load(bytes);
  const text: string[] = [];
  for (const page of pdf.getPages()) {
    const resources = page.node.Resources();
    const fonts = resources?.lookup(PDFName.of("Font"), PDFDict);
    const maps = new Map<string, Map<string, string>>();
    for (const [name, ref] of fonts?.entries() ?? []) {
      const font = pdf.context.lookup(ref as PDFRef, PDFDict);
      const toUnicode = font.lookup(PDFName.of("ToUnicode"));
      maps.set(name.asString(), parseCMap(streamText(toUnicode)));
    }
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => pdf.context.lookup(r)) : [contents];
    const content = streams.map(streamText).join("\n");
    let map = new Map<string, string>();
    const lines: string[] = [];
    for (const [, fontName, hex] of content.matchAll(/(\/[^\s]+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]+)>\s*Tj/g)) {
      if (fontName) map = maps.get(fontName) ?? new Map();
      if (hex) lines.push((hex.toUpperCase().match(/.{4}/g) ?? []).map((code) => map.get(code) ?? "").join(""));
    }
    text.push(lines.join("\n"));
  }
  return { pages: pdf.getPageCount(), text };
}
